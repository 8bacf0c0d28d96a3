"""What the trash announces to the apps whose rows it puts back (which it cannot import).

- ``restored(organisation_id, rows)``: a restore wrote ``rows`` (``{model label: [ids]}``, e.g.
  ``{"okrs.Objective": [12], "okrs.CheckIn": [...]}``) back with their original ids, inside its
  transaction. An app that keeps values derived from those rows (the OKR roll-ups) refreshes them
  (``OkrsConfig.ready`` connects its receiver). Pages cached under the organisation's data
  version need nothing: the restore's audit entry moves it.
"""

from django.dispatch import Signal

restored = Signal()
