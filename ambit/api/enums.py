"""The closed sets of values the API speaks, as ``Literal`` types for inputs and outputs alike.

They are spelled out (not built from the models' choices at run time) so mypy and the OpenAPI
document both see them as enums, and a generated client gets an enum per field instead of a bare
string. ``tests/api/test_enums.py`` holds each one equal to the model choices or engine constants
it mirrors, so a new choice cannot be added to a model without the API saying so.
"""

from __future__ import annotations

from typing import Literal

# Organisation charter (ambit.accounts.models)
CycleCadenceName = Literal["quarterly", "trimesters", "half_years"]
CheckInCadenceName = Literal["weekly", "biweekly"]
ConfidenceScaleName = Literal["0-10", "0-1", "rag"]
CascadeMethodName = Literal["classic", "duality", "both"]
LevelName = Literal["company", "department", "team", "individual"]
RoleName = Literal["admin", "champion", "member", "viewer"]
TeamKindName = Literal["company", "department", "team"]

# Cycles, objectives and key results (ambit.okrs.models)
CycleKindName = Literal["annual", "quarter", "custom"]
CycleStateName = Literal["planning", "active", "review", "closed"]
AmbitionName = Literal["committed", "aspirational"]
VisibilityName = Literal["public", "team", "private"]
ObjectiveStateName = Literal["draft", "proposed", "active", "closed", "cancelled"]
KindName = Literal["increase", "decrease", "stay_above", "stay_below", "milestones", "binary"]
UnitKindName = Literal["number", "percent", "currency"]
KeyResultStateName = Literal["active", "cancelled"]

# Computed by the engine (ambit.okrs.engine.constants)
StatusName = Literal["cancelled", "closed", "stale", "on_track", "at_risk", "behind", "not_started"]
BandName = Literal["red", "yellow", "green"]
VerdictName = Literal["met", "missed", "success", "partial", "miss"]
ForecastMethodName = Literal["linear_fit", "from_start", "flat"]

# What an objective read can nest in its answer (``?expand=``); not a model choice.
ObjectiveExpandName = Literal["key_results", "quality"]
# The quality check's severities (ambit.okrs.engine.quality.SEVERITIES).
QualitySeverityName = Literal["problem", "warning", "tip"]
