"""Personal API tokens: each acts as one membership (that member, with that member's role)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ambit.core.models import OrgScoped


class ApiToken(OrgScoped):
    """A bearer token. Only its sha256 is stored; the secret is shown once, at creation."""

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the secret, so people can tell their tokens apart when listing them.
    prefix = models.CharField(max_length=16)
    hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["membership", "revoked_at"], name="apitoken_member_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def scope(self) -> str:
        return "read" if self.read_only else "read-write"
