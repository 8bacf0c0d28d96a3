"""The quality check (issue 15) as the API shows it: ``ObjectiveOut.quality``."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from ambit.api.enums import QualitySeverityName

__all__ = ["QualityFindingOut", "QualityOut", "quality_out"]


class QualityFindingOut(Schema):
    code: str = Field(description="Stable id of the rule, e.g. `kr_is_task`, `objective_is_number`, `kr_no_target`.")
    severity: QualitySeverityName = Field(
        description="`problem`: cannot be scored honestly as written; `warning`: likely to mislead or spread "
        "focus; `tip`: craft."
    )
    message: str = Field(description="Why: what the rule found, in a sentence.")
    fix: str = Field(description="The suggested fix.")
    key_result_id: int | None = Field(description="The key result it is about; null for the objective itself.")


class QualityOut(Schema):
    score: int = Field(ge=0, le=100, description="100 minus 25 per problem, 10 per warning and 3 per tip; at least 0.")
    findings: list[QualityFindingOut] = Field(description="Most severe first.")


def quality_out(assessment: Any) -> dict[str, Any]:
    """An ``ambit.okrs.quality.Assessment`` as the API shows it."""
    return {
        "score": assessment.score,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "fix": f.fix,
                "key_result_id": f.key_result_id,
            }
            for f in assessment.findings
        ],
    }
