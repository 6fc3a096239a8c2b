-> a
=== a ===
You start <>
-> b.mid ->
<> and finish.
* [Again] -> b.mid -> 
  Done.
  -> END
* [Stop]
  -> END
=== b ===
Never shown.
- (mid)
in the middle
* [Stay]
  You stay.
  ->->
* [End here]
  It ends.
  -> END
