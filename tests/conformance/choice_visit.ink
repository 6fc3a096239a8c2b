// Known difference: visited() of a choice that has neither echo nor body stays 0.
-> room
=== room ===
- (top)
{asked: You have asked.|You have not asked.}
* (asked) [Ask] -> top
* (waved) [Wave] You wave.
  -> top
* [Leave] -> END
