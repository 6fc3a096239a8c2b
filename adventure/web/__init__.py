"""The web player: the page (index.html, player.js, player.css) and its Python bridge, shipped by `adventure publish`."""
