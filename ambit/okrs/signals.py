"""What the OKR app announces to the apps built on top of it (which it cannot import).

- ``demo_seeded(organisations, now)``: ``seed_demo`` built the demo organisations as of ``now``,
  inside its transaction; ``notify`` fills in a believable past week of notifications.
"""

from django.dispatch import Signal

demo_seeded = Signal()
