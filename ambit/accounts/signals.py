"""What an organisation's services announce to the apps built on top of ``accounts``.

``accounts`` sits below ``strategy`` and ``okrs`` (their models point at organisations and
memberships), so its services cannot call them without an import cycle. They send these signals
instead, synchronously and inside their transaction, and each app connects its receiver in its
``AppConfig.ready``: a failing receiver rolls the whole write back, as a direct call would.

- ``organisation_created(organisation)``: ``strategy`` creates the organisation's empty strategy.
- ``child_blend_changed(organisation)``: ``okrs`` schedules every objective's roll-up refresh
  (``rollups.schedule_organisation``), since each blends its aligned children by that share.
"""

from django.dispatch import Signal

organisation_created = Signal()
child_blend_changed = Signal()
