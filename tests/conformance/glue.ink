-> market
=== market ===
You walk to the market.
* [Take the river road]
  You follow the river <>
* [Take the hill road]
  You climb the hill <>
- and come to the gate
-> gate
=== gate ===
<>, where a guard waits.
* [Pay the toll]
  You pay <>
  -> thanks
* [Slip past]
  You slip past him.
  -> inside
=== thanks ===
and he waves you through.
-> inside
=== inside ===
The stalls are busy.
-> END
