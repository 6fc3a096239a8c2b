"""The players: the session handler and the plain and terminal front-ends over it."""
