VAR roll = 0
VAR total = 0
-> dice
=== dice ===
- (again)
~ roll = RANDOM(1, 6)
~ total = total + roll
You roll a {roll}; {total} in all.
+ [Roll again] -> again
* [Stop] -> END
