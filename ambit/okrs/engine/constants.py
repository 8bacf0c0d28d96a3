"""String constants shared with the Django models; the values are stored in the database."""

from typing import Final

KIND_INCREASE: Final = "increase"
KIND_DECREASE: Final = "decrease"
KIND_STAY_ABOVE: Final = "stay_above"
KIND_STAY_BELOW: Final = "stay_below"
KIND_MILESTONES: Final = "milestones"
KIND_BINARY: Final = "binary"
KR_KINDS: Final[tuple[str, ...]] = (
    KIND_INCREASE,
    KIND_DECREASE,
    KIND_STAY_ABOVE,
    KIND_STAY_BELOW,
    KIND_MILESTONES,
    KIND_BINARY,
)
# Kinds whose progress comes from a measured value rather than ticked items.
VALUE_KINDS: Final[tuple[str, ...]] = (KIND_INCREASE, KIND_DECREASE, KIND_STAY_ABOVE, KIND_STAY_BELOW)

STATUS_CANCELLED: Final = "cancelled"
STATUS_CLOSED: Final = "closed"
STATUS_STALE: Final = "stale"
STATUS_ON_TRACK: Final = "on_track"
STATUS_AT_RISK: Final = "at_risk"
STATUS_BEHIND: Final = "behind"
STATUS_NOT_STARTED: Final = "not_started"
# Ordered by derivation precedence (PRODUCT.md section 3), pace statuses in between.
STATUSES: Final[tuple[str, ...]] = (
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_STALE,
    STATUS_ON_TRACK,
    STATUS_AT_RISK,
    STATUS_BEHIND,
    STATUS_NOT_STARTED,
)
PACE_STATUSES: Final[tuple[str, ...]] = (STATUS_ON_TRACK, STATUS_AT_RISK, STATUS_BEHIND)

AMBITION_COMMITTED: Final = "committed"
AMBITION_ASPIRATIONAL: Final = "aspirational"
AMBITIONS: Final[tuple[str, ...]] = (AMBITION_COMMITTED, AMBITION_ASPIRATIONAL)

BAND_RED: Final = "red"
BAND_YELLOW: Final = "yellow"
BAND_GREEN: Final = "green"
BANDS: Final[tuple[str, ...]] = (BAND_RED, BAND_YELLOW, BAND_GREEN)

# The verdict reads a score against the ambition (PRODUCT.md section 3): committed OKRs are met
# or missed; aspirational ones are a success, partial or a miss.
VERDICT_MET: Final = "met"
VERDICT_MISSED: Final = "missed"
VERDICT_SUCCESS: Final = "success"
VERDICT_PARTIAL: Final = "partial"
VERDICT_MISS: Final = "miss"
VERDICTS: Final[tuple[str, ...]] = (VERDICT_MET, VERDICT_MISSED, VERDICT_SUCCESS, VERDICT_PARTIAL, VERDICT_MISS)

SCALE_0_10: Final = "0-10"
SCALE_0_1: Final = "0-1"
SCALE_RAG: Final = "rag"
CONFIDENCE_SCALES: Final[tuple[str, ...]] = (SCALE_0_10, SCALE_0_1, SCALE_RAG)

WARNING_DROP: Final = "drop"
WARNING_LOW: Final = "low"
CONFIDENCE_WARNING_KINDS: Final[tuple[str, ...]] = (WARNING_DROP, WARNING_LOW)

FORECAST_LINEAR_FIT: Final = "linear_fit"
FORECAST_FROM_START: Final = "from_start"
FORECAST_FLAT: Final = "flat"
FORECAST_METHODS: Final[tuple[str, ...]] = (FORECAST_LINEAR_FIT, FORECAST_FROM_START, FORECAST_FLAT)
