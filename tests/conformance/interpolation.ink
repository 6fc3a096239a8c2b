VAR lit = false
VAR n = 3
-> a
=== a ===
Lit is {lit}, n is {n}.
* [Light {n} candles]
  ~ lit = true
  Lit is {lit}.
  -> END
