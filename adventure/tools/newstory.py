"""The starter story that `adventure new DIR` writes: small, valid, and ending well."""

MANIFEST = """\
# yaml-language-server: $schema={schema}/manifest.schema.json
# The manifest: what the story is, where it starts, and every variable.
id: {story_id}
title: {title}
version: "0.1"
start: shore
speakers:
  keeper: {{name: The keeper, style: "#87afd7"}}
variables:
  courage: {{type: int, default: 0, min: 0, max: 3, doc: Grows each time you climb.}}
  has_lamp: {{type: bool, default: false, doc: You found the lamp on the beach.}}
"""

SCENES = """\
# yaml-language-server: $schema={schema}/scenes.schema.json
chapter: I. The Shore
scenes:
  shore:
    title: The shore
    text:
      - The tide is out. A lighthouse stands dark at the end of the spit.
      - if: visited('lamp_room') > 0
        text: You have been up there before; your legs remember the stairs.
      - speaker: keeper
        text: '"Come in out of the wind," calls the keeper.'
    choices:
      - text: Climb the stairs.
        goto: lamp_room
        do: courage += 1
      - text: Look for a lamp on the beach.
        id: search_beach
        goto: shore
        once: true
        do: has_lamp = true
      - text: Go home.
        goto: home

  lamp_room:
    title: The lamp room
    text:
      - The lamp is cold.
      - "{{'It lights at your touch.' if has_lamp else 'You have nothing to light it with.'}}"
    choices:
      - text: Go back down.
        goto: shore
      - text: Stay until morning.
        if: has_lamp and courage >= 1
        goto: dawn

  dawn:
    title: Dawn
    text: The light turns all night, and a ship you will never meet goes safely by.
    choices:
      - fallback: true
        goto: home

  home:
    title: Home
    ending: true
    text:
      - You sleep well.
      - if: visited('dawn') > 0
        text: You dream of the light turning.
"""
