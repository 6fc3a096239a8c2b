// Known difference: integer / and % on negative numbers.
VAR a = -7
VAR b = 2
-> calc
=== calc ===
{a} by {b} is {a / b}, remainder {a % b}.
* [Swap the signs]
  ~ a = -a
  ~ b = -b
  {a} by {b} is {a / b}, remainder {a % b}.
  -> END
