"""Issue 16: see the module's app (ambit.initiatives)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["initiatives"])
