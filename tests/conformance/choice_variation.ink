-> a
=== a ===
- (top)
Here.
+ [Knock {once|twice|again}] -> top
* [Leave] -> END
