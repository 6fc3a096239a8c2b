-> shop
=== shop ===
- (counter)
The shopkeeper waits.
* [Buy an apple] You buy an apple.
  -> counter
+ [Ask the price] "Two coins."
  -> counter
* [Haggle] He frowns.
  -> counter
+ [Leave]
  -> END
