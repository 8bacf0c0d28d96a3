"""Issue 16: see the module's app (ambit.reviews)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["monthly reviews"])
