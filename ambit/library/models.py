"""An organisation's own OKR templates. The built-in library is not stored here: it is code
(``ambit.library.builtin``), so it moves with each release and no migration rewrites it."""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped
from ambit.library.specs import Function, KrSpec, TemplateSpec


class OkrTemplate(OrgScoped):
    """An objective with its key results, kept for reuse: saved from an objective or written by
    hand. ``key_results`` is a list of ``{title, kind, start, target, unit}`` (``specs.KrSpec``),
    written only by ``services`` after validation."""

    function = models.CharField(max_length=24, choices=Function.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    ambition = models.CharField(max_length=16, default="committed")
    key_results = models.JSONField(default=list, blank=True)
    # Lower-cased title, description and key-result titles, for the search (kept by the services).
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["function", "title", "id"]
        indexes = [models.Index(fields=["organisation", "function"], name="okr_template_org_function")]

    def __str__(self) -> str:
        return self.title

    def kr_specs(self) -> tuple[KrSpec, ...]:
        return tuple(KrSpec.from_json(item) for item in self.key_results or [] if isinstance(item, dict))

    def spec(self, *, can_manage: bool = False) -> TemplateSpec:
        creator = self.created_by.user.get_full_name() if self.created_by is not None else ""
        return TemplateSpec(
            key=f"org:{self.pk}",
            function=self.function,
            title=self.title,
            description=self.description,
            key_results=self.kr_specs(),
            ambition=self.ambition,
            builtin=False,
            pk=self.pk,
            created_by_name=creator,
            can_manage=can_manage,
        )
