-> talk
=== talk ===
The stranger nods at you.
* "Hello[."]," you say. "Nice evening."
  He shrugs.
* "Go away[!"]," you snap.
  He does not move.
* [Say nothing] You say nothing.
- "Well," he says.
* "Who are you[?"]," you ask at last.
  "Nobody," he says.
* ["Goodbye."] "Goodbye," you say.
* [Nod]
- He walks off.
-> END
