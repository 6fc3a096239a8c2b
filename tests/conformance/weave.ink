-> start
=== start ===
You wake in a small boat.
* Row north
  The oars creak.
  ** Keep rowing
     Your arms ache.
  ** Rest
     You drift.
  -- The fog lifts.
* Row south
  The current fights you.
* Sleep
  You sleep.
  -> ending
- A gull circles.
* [Follow it] -> ending
* Ignore it
  It leaves.
  -> ending
=== ending ===
The shore appears.
-> END
