"""What the demo company says for ``seed_demo``: people, teams, strategy, check-in notes and
OKRs (the current quarter's are in ``demo_okrs``). Kept apart from the builder so the story can
be edited without touching the mechanics.

Key results carry a *profile* saying where they should stand today (on_track, ahead, at_risk,
behind, stale, drop = on pace but confidence just fell, done) and whether their latest check-in
is from this week (``fresh``) or last week (``due``: it shows on "My week" as due).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORG_NAME, ORG_SLUG, DOMAIN = "Northwind Labs", "northwind", "northwind.test"
GLOBEX_NAME, GLOBEX_SLUG, GLOBEX_DOMAIN = "Globex", "globex", "globex.test"

# key: (name, kind, parent key)
TEAMS: dict[str, tuple[str, str, str | None]] = {
    "company": ("Northwind Labs", "company", None),
    "pe": ("Product & Engineering", "department", "company"),
    "gtm": ("Go-to-market", "department", "company"),
    "ops": ("Operations", "department", "company"),
    "platform": ("Platform", "team", "pe"),
    "mobile": ("Mobile", "team", "pe"),
    "growth": ("Growth marketing", "team", "gtm"),
    "sales": ("Sales", "team", "gtm"),
}


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    title: str
    team: str
    manager: str | None
    lead: bool = False
    role: str = "member"
    email: str = ""  # empty: first.last@northwind.test


# Ordered so every manager comes before their reports.
PEOPLE: tuple[Person, ...] = (
    Person("ceo", "Helena Brooks", "Chief Executive Officer", "company", None, True, "admin", "admin@northwind.test"),
    Person(
        "champion",
        "Priya Raman",
        "Head of Strategy & OKR champion",
        "company",
        "ceo",
        role="champion",
        email="champion@northwind.test",
    ),
    Person("cos", "Oliver Grant", "Chief of Staff", "company", "ceo"),
    Person("board", "Arthur Pennington", "Board observer", "company", None, role="viewer"),
    Person("cto", "Daniel Okafor", "Chief Technology Officer", "pe", "ceo", True),
    Person("vpp", "Nadia Haddad", "VP Product", "pe", "cto"),
    Person("pm", "Lucas Moreau", "Senior Product Manager", "pe", "vpp"),
    Person("designer", "Mei Tanaka", "Product Designer", "pe", "vpp"),
    Person(
        "lead", "Jonas Weber", "Engineering Manager, Platform", "platform", "cto", True, email="lead@northwind.test"
    ),
    Person("member", "Aisha Khan", "Senior Backend Engineer", "platform", "lead", email="member@northwind.test"),
    Person("sre", "Mateo Alvarez", "Site Reliability Engineer", "platform", "lead"),
    Person("backend", "Freya Nilsson", "Backend Engineer", "platform", "lead"),
    Person("data", "Samuel Osei", "Data Engineer", "platform", "lead"),
    Person("qa_platform", "Grace Liu", "QA Engineer", "platform", "lead"),
    Person("mobile_lead", "Elena Petrova", "Mobile Engineering Lead", "mobile", "cto", True),
    Person("ios", "Ravi Menon", "iOS Engineer", "mobile", "mobile_lead"),
    Person("android", "Hannah Fischer", "Android Engineer", "mobile", "mobile_lead"),
    Person("mobile_dev", "Kofi Mensah", "Mobile Engineer", "mobile", "mobile_lead"),
    Person("qa_mobile", "Chloe Dubois", "QA Engineer", "mobile", "mobile_lead"),
    Person("vpgtm", "Sofia Lindqvist", "VP Go-to-market", "gtm", "ceo", True),
    Person("revops", "Ben Carter", "Revenue Operations Manager", "gtm", "vpgtm"),
    Person("growth_lead", "Tom Gallagher", "Head of Growth Marketing", "growth", "vpgtm", True),
    Person("perf", "Isabel Romero", "Performance Marketing Manager", "growth", "growth_lead"),
    Person("content", "Noah Schmidt", "Content Marketing Manager", "growth", "growth_lead"),
    Person("mkt_design", "Zara Ahmed", "Marketing Designer", "growth", "growth_lead"),
    Person("mops", "Liam O'Connor", "Marketing Operations Specialist", "growth", "growth_lead"),
    Person("sales_lead", "Rachel Kim", "Head of Sales", "sales", "vpgtm", True),
    Person("ae_dach", "Max Hoffmann", "Account Executive, DACH", "sales", "sales_lead"),
    Person("ae_nordics", "Ingrid Solberg", "Account Executive, Nordics", "sales", "sales_lead"),
    Person("ae_uk", "Ethan Brown", "Account Executive, UK", "sales", "sales_lead"),
    Person("sdr1", "Lena Vogel", "Sales Development Representative", "sales", "sales_lead"),
    Person("sdr2", "Omar Farouk", "Sales Development Representative", "sales", "sales_lead"),
    Person("coo", "Marcus Webb", "Chief Operating Officer", "ops", "ceo", True),
    Person("support_lead", "Julia Novak", "Head of Customer Support", "ops", "coo"),
    Person("support1", "Carlos Mendes", "Customer Support Specialist", "ops", "support_lead"),
    Person("support2", "Amira Saleh", "Customer Support Specialist", "ops", "support_lead"),
    Person("csm", "Sarah Mitchell", "Customer Success Manager", "ops", "support_lead"),
    Person("finance", "Peter Lindgren", "Finance Manager", "ops", "coo"),
    Person("people", "Fatima Bello", "People Partner", "ops", "coo"),
    Person("it", "Yusuf Demir", "IT & Security Lead", "ops", "coo"),
)

MISSION = "Help every local delivery business plan its day as well as the best in the world."
VISION = "By 2028, one in five regional delivery fleets in Europe plans its routes on Northwind."
VALUES = (
    ("Customers first", "We start from the dispatcher's morning, not from our roadmap."),
    ("Own the outcome", "We measure success by results, not by activity."),
    ("Ship small, learn fast", "Small releases, real feedback, honest numbers."),
    ("Candour with care", "We say what we see, kindly and early."),
)
BIG_MOVES = (
    ("Own the mid-market fleet", "Become the default planner for fleets of 20 to 500 vehicles.", "cto"),
    ("Win DACH and the Nordics", "Make Germany, Austria, Switzerland and the Nordics our second home market.", "vpgtm"),
    ("Scale without friction", "Grow customers faster than headcount and keep every customer happy.", "coo"),
)


@dataclass(frozen=True)
class KR:
    title: str
    kind: str
    owner: str
    profile: str = "on_track"
    start: float | None = None
    target: float | None = None
    unit: str = ""
    unit_kind: str = "number"
    dp: int = 0  # decimals the numbers are reported with
    milestones: tuple[str, ...] = ()
    fresh: bool = True
    final: float | None = None  # closed quarters: attainment reached at the end
    cascade: str | None = None  # key of an objective created from this key result (duality)


@dataclass(frozen=True)
class Obj:
    key: str
    title: str
    owner: str
    team: str | None  # None: an individual objective
    krs: tuple[KR, ...]
    theme: int | None = None  # index into BIG_MOVES
    ambition: str = "committed"
    parents: tuple[str, ...] = ()  # classic alignment
    cancel: str = ""  # reason, when the objective is cancelled after a few weeks
    state: str = "active"


ANNUAL: tuple[Obj, ...] = (
    Obj(
        "a1",
        "Make Northwind the default planner for mid-market fleets",
        "ceo",
        "company",
        (
            KR(
                "Grow ARR from €6.0M to €10.0M",
                "increase",
                "ceo",
                start=6_000_000,
                target=10_000_000,
                unit="€",
                unit_kind="currency",
            ),
            KR(
                "Keep net revenue retention above 110%",
                "stay_above",
                "vpgtm",
                target=110,
                unit="%",
                unit_kind="percent",
            ),
        ),
        theme=0,
    ),
    Obj(
        "a2",
        "Become a real player in DACH and the Nordics",
        "vpgtm",
        "company",
        (
            KR(
                "Reach 40 paying customers outside the UK",
                "increase",
                "vpgtm",
                "at_risk",
                start=0,
                target=40,
                unit="customers",
            ),
            KR("Build a local team of 8 in Berlin and Stockholm", "increase", "coo", start=0, target=8, unit="people"),
        ),
        theme=1,
        ambition="aspirational",
    ),
    Obj(
        "a3",
        "Scale the company without adding friction",
        "coo",
        "company",
        (
            KR(
                "Cut support cost per customer from €95 to €60",
                "decrease",
                "coo",
                start=95,
                target=60,
                unit="€",
                unit_kind="currency",
            ),
            KR("Keep gross margin above 75%", "stay_above", "finance", target=75, unit="%", unit_kind="percent", dp=1),
        ),
        theme=2,
    ),
)

PREVIOUS: tuple[Obj, ...] = (
    Obj(
        "p1",
        "Prove Route Optimiser 2.0 with design partners",
        "cto",
        "company",
        (
            KR(
                "Sign up 10 design partners for the private beta",
                "increase",
                "pm",
                start=0,
                target=10,
                unit="fleets",
                final=1.0,
            ),
            KR(
                "Cut planning time for design partners from 14 to 8 minutes",
                "decrease",
                "cto",
                start=14,
                target=8,
                unit="min",
                dp=1,
                final=0.7,
            ),
        ),
        theme=0,
    ),
    Obj(
        "p2",
        "Prepare the ground for DACH and the Nordics",
        "vpgtm",
        "company",
        (
            KR(
                "Set up the German entity",
                "milestones",
                "finance",
                milestones=("Register the GmbH", "Open a bank account", "Payroll provider", "First local hire"),
                final=1.0,
            ),
            KR(
                "Build a list of 300 target fleets", "increase", "revops", start=0, target=300, unit="fleets", final=0.9
            ),
            KR("Hire a DACH country lead", "binary", "vpgtm", final=1.0),
        ),
        theme=1,
        ambition="aspirational",
    ),
    Obj(
        "p3",
        "Fix the basics in customer support",
        "coo",
        "company",
        (
            KR(
                "Cut first-response time from 9 h to 6 h",
                "decrease",
                "support_lead",
                start=9,
                target=6,
                unit="h",
                dp=1,
                final=1.0,
            ),
            KR(
                "Keep CSAT above 90%",
                "stay_above",
                "support_lead",
                target=90,
                unit="%",
                unit_kind="percent",
                dp=1,
                final=1.0,
            ),
        ),
        theme=2,
    ),
    Obj(
        "p4",
        "Pay down the worst solver tech debt",
        "lead",
        "platform",
        (
            KR("Remove 40 legacy code paths", "increase", "member", start=0, target=40, unit="code paths", final=0.6),
            KR(
                "Raise solver test coverage from 55% to 80%",
                "increase",
                "backend",
                start=55,
                target=80,
                unit="%",
                unit_kind="percent",
                final=0.8,
            ),
        ),
        parents=("p1",),
    ),
    Obj(
        "p5",
        "Launch the German website",
        "growth_lead",
        "growth",
        (
            KR("Launch the German website", "binary", "content", final=1.0),
            KR(
                "Reach 5,000 monthly German visitors",
                "increase",
                "perf",
                start=0,
                target=5000,
                unit="visitors",
                final=0.45,
            ),
        ),
        ambition="aspirational",
        parents=("p2",),
    ),
)

NEXT: tuple[Obj, ...] = (
    Obj(
        "n1",
        "Make Route Optimiser 2.0 the only planner we run",
        "cto",
        "company",
        (KR("Move the last 40 fleets off the v1 solver", "increase", "lead", start=0, target=40, unit="fleets"),),
        theme=0,
        state="draft",
    ),
    Obj(
        "n2",
        "Double new-market revenue",
        "vpgtm",
        "company",
        (
            KR(
                "Grow new-market ARR from €300k to €600k",
                "increase",
                "vpgtm",
                start=300_000,
                target=600_000,
                unit="€",
                unit_kind="currency",
            ),
        ),
        theme=1,
        ambition="aspirational",
        state="draft",
    ),
)


NOTES: dict[str, tuple[str, ...]] = {
    "on_track": (
        "Steady week, moving as planned.",
        "Good progress; nothing blocking.",
        "On plan. Next step is already in review.",
        "Slightly ahead of last week's estimate.",
        "Customer feedback is positive, keeping the pace.",
    ),
    "ahead": (
        "Ahead of plan, the new campaign is paying off.",
        "Better week than expected.",
        "Momentum is strong; we may hit the stretch.",
    ),
    "at_risk": (
        "Slower than planned: waiting on another team.",
        "Two people out this week, we lost a few days.",
        "We need a decision on scope to catch up.",
        "Some progress, but the trend worries me.",
    ),
    "behind": (
        "Well behind: the deals we counted on slipped to next quarter.",
        "Blocked on legal review, flagged to the exec team.",
        "Not moving; we need to rethink the approach.",
    ),
    "stale": ("Small step this week.", "Little movement; focus was elsewhere."),
    "drop": ("On pace, but two key deals look shaky.", "Numbers are fine so far."),
    "done": ("Preparation under way.", "Done! 🎉"),
}
LAST_NOTES: dict[str, str] = {
    "drop": "Numbers still look fine, but I'm much less sure now: our main assumption just broke.",
    "behind": "Behind plan. Asking for help at Monday's team check-in.",
    "at_risk": "At risk: we need a scope call this week to get back on track.",
}


@dataclass
class Built:
    """What the builder made, for the command's summary and for tests."""

    people: int = 0
    teams: int = 0
    objectives: int = 0
    key_results: int = 0
    check_ins: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
