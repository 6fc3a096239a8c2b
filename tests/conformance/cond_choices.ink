// Known difference: ink gathers the choices inside a conditional block and the ones after it into one menu.
VAR key = false
-> cellar
=== cellar ===
* [Search the floor]
  ~ key = true
* [Wait]
- It is dark.
{key:
  * [Try the key]
    It turns.
    -> END
}
* [Shout]
  Nobody comes.
  -> END
