// Known difference: a sequence advances each time it is shown (ink), not each time its part is entered.
VAR lit = false
-> room
=== room ===
- (top)
{lit: The lamp shows {a chair|a table|a bed}.|It is dark.}
* [Light the lamp]
  ~ lit = true
  -> top
+ [Look again] -> top
* [Leave] -> END
