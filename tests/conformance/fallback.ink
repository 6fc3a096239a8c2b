-> hall
=== hall ===
- (opts)
You look around the empty hall.
* [Open the chest] The chest is empty.
  -> opts
* [Read the note] It says: leave.
  -> opts
* [Knock on the wall] Hollow.
  -> opts
* ->
  Nothing else to do.
  -> outside
=== outside ===
You step outside.
* [Go home] -> END
