VAR gold = 0
VAR mood = "calm"
-> shop
=== shop ===
You have {gold} gold.
~ gold = gold + 5
Now you have {gold}.
* [Buy bread]
  ~ gold = gold - 2
  You buy bread; {gold} left.
  ~ mood = "fed"
* [Sell a ring]
  You sell the ring.
  ~ gold = gold + 10
  {gold} gold now.
- You feel {mood}.
~ gold = gold * 2
Doubled: {gold}.
* {gold > 20} [Buy a horse]
  ~ gold -= 20
  You ride off with {gold}.
  -> END
* [Walk home]
  You walk home with {gold}.
  -> END
