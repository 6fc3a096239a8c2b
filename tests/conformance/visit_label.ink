// Known difference: entering a knot at one of its labels counts a visit to the knot in ink.
-> start
=== start ===
* [Jump to the loft] -> barn.loft
* [Enter the barn] -> barn
=== barn ===
The barn is dark.
- (loft)
Barn seen {barn} times, loft {barn.loft}.
-> END
