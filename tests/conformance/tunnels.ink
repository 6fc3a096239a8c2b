VAR hp = 3
-> road
=== road ===
You set out.
-> rest ->
You walk on.
* [Fight the wolf]
  -> wolf ->
  The wolf is gone.
* [Run]
  You run.
- -> rest ->
You reach the town with {hp} strength.
-> END
=== rest ===
You sit a while.
~ hp = hp + 1
+ [Eat]
  You eat.
+ [Sleep]
  You sleep.
- ->->
=== wolf ===
The wolf bites.
~ hp = hp - 2
-> rest ->
You get up.
->->
