"""Issue 16: see the module's app (ambit.teammeetings)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["team check-ins"])
