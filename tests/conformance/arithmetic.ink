VAR a = 17
VAR b = 5
-> calc
=== calc ===
- (top)
{a} times {b} is {a * b}.
{a} by {b} is {a / b}, remainder {a % b}.
The smaller is {MIN(a, b)}, the larger {MAX(a, b)}; the gap is {abs(a - b)}.
* [Add three to b]
  ~ b = b + 3
  -> top
* [Double a]
  ~ a = a * 2
  -> top
* [Take a from b]
  ~ b = abs(b - a) % 7 + 1
  -> top
+ [Stop] -> END

=== function abs(x) ===
{x < 0:
  ~ return -x
}
~ return x
