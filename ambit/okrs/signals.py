"""What the OKR app announces to the apps built on top of it (which it cannot import).

- ``demo_seeded(organisations, now)``: ``seed_demo`` built the demo organisations as of ``now``,
  inside its transaction; ``notify`` fills in a believable past week of notifications.
- ``cycle_state_changed(cycle_id, before, after, actor_id)``: a cycle moved from state ``before``
  to ``after`` (``cycle_update`` or ``cycle_set_closed``), sent once the transaction commits;
  ``closeout`` asks the owners of unscored key results to score them when a cycle enters review.
"""

from django.dispatch import Signal

demo_seeded = Signal()
cycle_state_changed = Signal()
