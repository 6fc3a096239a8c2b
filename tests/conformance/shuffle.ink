-> toss
=== toss ===
- (again)
The coin lands {~heads|tails|on its edge}.
+ [Toss again] -> again
* [Keep it] -> END
