VAR name = "Ada"
VAR n = -2
-> top
=== top ===
- (loop)
Hello, {name + "!"} N is {n}.
* [Door]
  ** [Knock {!loudly|softly}] -> loop
  ** [Listen] -> loop
  ** -> loop
* {loop > 2} [Window] -> loop
+ [Ask]
  "What?"
- (after)
~ n = n - 1
{after > 1: Again.}
+ [Back] -> loop
* [Go] -> END
