"""Users, organisations (with their OKR charter), memberships, teams, invitations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from ambit.core.models import OrgScoped, TimeStamped


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an email address; may belong to several organisations."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]) or self.email


class CycleCadence(models.TextChoices):
    QUARTERLY = "quarterly", "Quarters"
    TRIMESTERS = "trimesters", "Four-month periods"
    HALF_YEARS = "half_years", "Half years"


class CheckInCadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"


class ConfidenceScale(models.TextChoices):
    ZERO_TEN = "0-10", "0–10"
    ZERO_ONE = "0-1", "0.0–1.0"
    RAG = "rag", "Red / yellow / green"


class CascadeMethod(models.TextChoices):
    CLASSIC = "classic", "Classic (teams align their own OKRs)"
    DUALITY = "duality", "Duality (a key result becomes the next level's objective)"
    BOTH = "both", "Both"


class Level(models.TextChoices):
    COMPANY = "company", "Company"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"
    INDIVIDUAL = "individual", "Individual"


def default_levels() -> list[str]:
    return [Level.COMPANY, Level.DEPARTMENT, Level.TEAM, Level.INDIVIDUAL]


class Organisation(TimeStamped):
    """The tenant, with its OKR charter (seed 001): the rules this organisation runs OKRs by."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)

    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    cycle_cadence = models.CharField(max_length=16, choices=CycleCadence.choices, default=CycleCadence.QUARTERLY)
    checkin_cadence = models.CharField(max_length=16, choices=CheckInCadence.choices, default=CheckInCadence.WEEKLY)
    reminder_weekday = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday"
    )
    reminder_hour = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(23)])
    time_zone = models.CharField(max_length=64, default="UTC")
    confidence_scale = models.CharField(max_length=8, choices=ConfidenceScale.choices, default=ConfidenceScale.ZERO_TEN)
    pace_on_track = models.FloatField(
        default=-0.10, help_text="Gap (actual − expected) at or above which a key result is on track."
    )
    pace_at_risk = models.FloatField(
        default=-0.25, help_text="Gap at or above which (and below on-track) a key result is at risk."
    )
    stale_grace_days = models.PositiveSmallIntegerField(default=3)
    sprint_length_days = models.PositiveSmallIntegerField(default=14, validators=[MinValueValidator(1)])
    levels = models.JSONField(default=default_levels, help_text="Levels in use, top-down.")
    cascade_method = models.CharField(max_length=16, choices=CascadeMethod.choices, default=CascadeMethod.BOTH)
    approval_required = models.BooleanField(default=False)
    # Seed 000: three to five objectives; more and nothing is a priority. The quality check flags
    # a team or a person above these (ambit.okrs.engine.quality).
    max_objectives_per_team = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    max_objectives_per_person = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    child_blend = models.FloatField(
        default=0.0,
        help_text="Share (0–1) of an objective's progress taken from its aligned children.",
    )
    # Moves each time stored roll-ups change (``okrs.rollups``), the one write that leaves no audit
    # entry or check-in behind: part of ``okrs.data_version``, which keys the cached pages.
    rollup_version = models.PositiveBigIntegerField(default=0, editable=False)
    # The first-run wizard (``accounts.setup``): the last step saved, and when it was finished.
    setup_step = models.PositiveSmallIntegerField(default=0, editable=False)
    setup_completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="org_fiscal_month_range",
            ),
            models.CheckConstraint(condition=Q(reminder_weekday__lte=6), name="org_weekday_range"),
            models.CheckConstraint(condition=Q(reminder_hour__lte=23), name="org_hour_range"),
            models.CheckConstraint(
                condition=Q(pace_on_track__lte=0) & Q(pace_at_risk__lte=models.F("pace_on_track")),
                name="org_pace_thresholds_ordered",
            ),
            models.CheckConstraint(condition=Q(child_blend__gte=0, child_blend__lte=1), name="org_blend_range"),
            models.CheckConstraint(condition=Q(sprint_length_days__gte=1), name="org_sprint_length_pos"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def checkin_cadence_days(self) -> int:
        return 14 if self.checkin_cadence == CheckInCadence.BIWEEKLY else 7


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CHAMPION = "champion", "OKR champion"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class Membership(TimeStamped):
    """A user's place in one organisation: role, sponsor flag, manager."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_executive_sponsor = models.BooleanField(default=False)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    title = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)

    # Per-instance caches of the team-lead rules (see led_team_ids); not fields.
    _led_team_ids: set[int]
    _led_member_ids: set[int]
    _member_team_ids: set[int]

    class Meta:
        ordering = ["organisation", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org"),
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="membership_not_own_manager"),
        ]
        indexes = [models.Index(fields=["organisation", "role"], name="membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation.slug}"

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.VIEWER

    @property
    def is_org_wide_editor(self) -> bool:
        return self.is_active and self.role in (Role.ADMIN, Role.CHAMPION)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    def led_team_ids(self) -> set[int]:
        """Ids of the teams this member leads, with every team below them (cached on the instance:
        the permission rules ask once per object on a page)."""
        cached: set[int] | None = getattr(self, "_led_team_ids", None)
        if cached is None:
            self._load_teams()
        return self._led_team_ids

    def member_team_ids(self) -> set[int]:
        """Ids of the teams this member belongs to (led or not; cached like ``led_team_ids``)."""
        cached: set[int] | None = getattr(self, "_member_team_ids", None)
        if cached is None:
            self._load_teams()
        return self._member_team_ids

    def _load_teams(self) -> None:
        """Both team sets in one query: the teams this member is in, and the subtree below the
        ones they lead, walked by the database (a recursive query: it reads the led subtree, not
        the organisation's whole team list). UNION, not UNION ALL, so a loop cannot run forever."""
        team, member = Team._meta.db_table, TeamMember._meta.db_table
        sql = f"""
            WITH RECURSIVE led(id) AS (
                SELECT team_id FROM {member} WHERE membership_id = %s AND is_lead
                UNION
                SELECT t.id FROM {team} t JOIN led ON t.parent_id = led.id WHERE t.organisation_id = %s
            )
            SELECT id, 1 FROM led
            UNION ALL
            SELECT team_id, 0 FROM {member} WHERE membership_id = %s
        """
        led: set[int] = set()
        member_of: set[int] = set()
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.pk, self.organisation_id, self.pk])
            for team_id, is_led in cursor.fetchall():
                (led if is_led else member_of).add(team_id)
        self._led_team_ids = led
        self._member_team_ids = member_of

    def led_member_ids(self) -> set[int]:
        """Membership ids of the people in the teams this member leads (for individual OKRs)."""
        cached: set[int] | None = getattr(self, "_led_member_ids", None)
        if cached is not None:
            return cached
        teams = self.led_team_ids()
        ids = (
            set(TeamMember.objects.filter(team_id__in=teams).values_list("membership_id", flat=True))
            if teams
            else set()
        )
        self._led_member_ids = ids
        return ids


class TeamKind(models.TextChoices):
    COMPANY = "company", "Company"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"


class Team(OrgScoped):
    """A node in the organisation's team tree (company → departments → teams, any depth)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=16, choices=TeamKind.choices, default=TeamKind.TEAM)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(blank=True)
    # Archived teams leave pickers and team lists; their objectives stay readable.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="team_unique_slug_per_org"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="team_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        return str(self.kind)


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_members")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="team_links")
    is_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "membership"], name="teammember_unique"),
        ]
        indexes = [models.Index(fields=["membership", "is_lead"], name="teammember_lead_idx")]

    def __str__(self) -> str:
        return f"{self.membership.user} in {self.team}{' (lead)' if self.is_lead else ''}"


class Invitation(OrgScoped):
    """An invitation to join an organisation with a role, accepted through a one-time link."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation_id}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
