"""Digests built by hand for the pure builder tests (the shape ``notify.digest.build_digest`` returns)."""

from __future__ import annotations

from ambit.notify.digest import CycleLine, Digest, DigestItem


def item(n: int, title: str) -> DigestItem:
    return DigestItem(
        id=n,
        title=title,
        objective=f"Objective {n}",
        owner="Mia Member",
        url=f"/objectives/{n}/",
        progress=0.4,
        expected=0.5,
        status="at_risk",
        confidence=5,
        confidence_shown="5",
        gain=0.1,
        reason="At risk",
    )


def digest(*, title: str = "Ship <the> thing & more", items: int = 3, total: int | None = None) -> Digest:
    listed = [item(n, f"{title} #{n}") for n in range(items)]
    count = total if total is not None else items
    return Digest(
        scope="team",
        organisation="Acme & Co",
        team="Platform <core>",
        team_slug="platform",
        week="2026-W48",
        week_start="2026-11-21",
        week_ending="2026-11-27",
        url="/teams/platform/digest/?week=2026-11-27",
        cycles=[
            CycleLine(
                id=1,
                name="Q4 2026",
                progress=0.42,
                expected=0.5,
                status="at_risk",
                objectives=3,
                key_results=9,
                ends_on="2026-12-31",
            )
        ],
        moved=listed,
        wins=listed,
        risks=listed,
        stale=listed,
        totals={"moved": count, "wins": count, "risks": count, "stale": count},
        discipline={
            "key_results": 9,
            "key_results_checked_in": 6,
            "key_result_share": 6 / 9,
            "people": 4,
            "people_checked_in": 3,
            "people_share": 0.75,
        },
    )
