-> room
=== room ===
- (top)
The clock {strikes one|strikes two|strikes three}.
The lamp turns {&red|green|blue}.
{!A bird sings.|A dog barks.}
* [Wait] -> top
* [Wait more] -> top
* [Wait again] -> top
+ [Leave] -> END
