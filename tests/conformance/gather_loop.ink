VAR n = 0
-> a
=== a ===
Start.
- (loop)
~ n = n + 1
Round {n}: {loop}.
* [Red]
  Red.
* [Blue]
  Blue.
* [Green]
  Green.
- {n < 3: -> loop}
Over after {loop} rounds.
-> END
