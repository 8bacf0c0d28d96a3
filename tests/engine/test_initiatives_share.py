"""A key result that takes its progress from its initiatives: the share done of those that count."""

from __future__ import annotations

import pytest

from ambit.okrs import engine


@pytest.mark.parametrize(
    ("done", "counted", "share"),
    [(0, 5, 0.0), (3, 5, 0.6), (5, 5, 1.0), (1, 3, 1 / 3)],
)
def test_share_of_counted_initiatives_done(done: int, counted: int, share: float) -> None:
    assert engine.initiatives_share(done=done, counted=counted) == pytest.approx(share)


def test_nothing_counted_is_not_measurable_yet_and_rolls_up_as_zero() -> None:
    assert engine.initiatives_share(done=0, counted=0) is None
    # Like a key result without a check-in: no attainment, no suggested score above 0.
    assert engine.suggest_score(engine.initiatives_share(done=0, counted=0)) == 0.0


def test_the_share_never_leaves_zero_to_one() -> None:
    assert engine.initiatives_share(done=7, counted=5) == 1.0


def test_status_and_score_follow_the_share_like_any_progress() -> None:
    share = engine.initiatives_share(done=1, counted=5)
    assert share is not None
    status = engine.kr_status(
        cancelled=False,
        closed=False,
        has_checkin=True,
        stale=False,
        progress=share,
        expected=0.5,
        thresholds=engine.DEFAULT_THRESHOLDS,
    )
    assert status == engine.STATUS_BEHIND
    assert engine.suggest_score(share) == engine.suggest_score(0.2)
