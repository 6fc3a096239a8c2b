VAR key = false
VAR matches = 0
-> cellar
=== cellar ===
It is dark.
* [Search the floor]
  ~ key = true
  You find a key.
* [Light a match]
  ~ matches = 2
* [Wait]
- {matches > 1: The match flares.|Darkness.}
{
- key && matches > 0:
  You see the lock and open it.
  -> out
- key:
  You feel for the lock.
  * [Try the key]
    It turns.
    -> out
  * [Keep it]
    You pocket it.
    -> yell
- else:
  You feel along the wall.
  -> yell
}
= yell
* [Shout] Nobody comes.
  -> out
* {not key} [Dig]
  You dig in vain.
  -> out
=== out ===
{key: You leave with the key.|You leave empty-handed.}
-> END
