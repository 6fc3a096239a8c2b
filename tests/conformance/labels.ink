-> yard
=== yard ===
- (gate)
You stand at the gate{yard.gate > 1: again}.
* [Go to the well] -> well
* [Climb to the loft] -> barn.loft
* [Enter the barn] -> barn
* {barn.loft} [Leave] -> leave
=== well ===
The well is dry.
{barn.loft: You can see the loft from here.}
-> yard.gate
=== barn ===
The barn is dark.
- (loft)
Hay, up in the loft.
{well: You came by the well.|You came straight here.}
{barn.loft > 1: You have been up here {barn.loft} times.}
-> yard.gate
=== leave ===
You leave after {yard.gate} visits to the gate.
-> END
