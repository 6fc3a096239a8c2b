-> hall
=== hall ===
A door, a stair, a window.
* [Open the door]
  The door opens on a yard.
  ** [Cross the yard]
     Gravel crunches.
     *** [Knock at the shed]
         Nobody answers.
     *** [Peer into the shed]
         Tools, rusted.
         **** [Take a spade]
              It is heavy.
         **** [Leave them]
              You leave them.
         ---- The shed creaks.
     --- You turn back.
  ** [Stay in the doorway]
     Rain starts.
  -- The yard is behind you now.
* [Climb the stair]
  The stair groans.
  ** [Go up]
     An attic, empty.
  ** [Go down]
     The hall again.
* [Look out of the window]
  Fields.
- The house is quiet.
* [Leave] -> END
* [Stay]
  You stay.
  -> END
