"""A made-up 50-person company for the people import: departments with teams two and three deep,
managers (some appearing after the people who report to them), leads, titles and roles.

``e2e/data/people-50.csv`` is this file as written by :func:`people_csv` (the browser journey
uploads it); ``test_people_data_matches_the_e2e_file`` keeps the two the same.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADER = ["Name", "Email", "Team", "Role", "Manager email", "Lead", "Title"]
DOMAIN = "initech.test"

# (team path, lead's first name, lead's title, [members' first names])
_TEAMS: list[tuple[str, str, str, list[str]]] = [
    ("Engineering", "Bill", "VP Engineering", []),
    ("Engineering / Platform", "Peter", "Platform lead", ["Ada", "Alan", "Edsger", "Barbara"]),
    ("Engineering / Platform / Infrastructure", "Ken", "Infrastructure lead", ["Dennis", "Linus", "Radia", "Vint"]),
    ("Engineering / Mobile", "Samir", "Mobile lead", ["Grace", "Margaret", "John", "Hal"]),
    ("Engineering / Data", "Michael", "Data lead", ["Frances", "Donald", "Leslie", "Shafi"]),
    ("Sales", "Bob", "VP Sales", []),
    ("Sales / EMEA", "Joanna", "EMEA sales lead", ["Hedy", "Katherine", "Mary", "Carol"]),
    ("Sales > Americas", "Tom", "Americas sales lead", ["Dorothy", "Annie", "Evelyn"]),
    ("Marketing", "Lumbergh", "VP Marketing", []),
    ("Marketing / Growth", "Nina", "Growth lead", ["Sophie", "Lise", "Rosalind", "Cynthia"]),
    ("Marketing / Brand", "Drew", "Brand lead", ["Emmy", "Chien", "Marie"]),
    ("People", "Milton", "Head of People", ["Jean", "Gertrude", "Elinor"]),
    ("Finance", "Stan", "CFO", ["Ida", "Mae", "Ruth"]),
]


def _email(first: str) -> str:
    return f"{first.lower()}@{DOMAIN}"


def people_rows() -> list[list[str]]:
    """The 50 rows (without the header): a CEO, then each team's members before its lead."""
    rows: list[list[str]] = [["Lawrence Initech", _email("lawrence"), "", "champion", "", "", "Chief Executive"]]
    lead_of: dict[str, str] = {}
    for path, lead, _, _ in _TEAMS:
        lead_of[path.replace(">", "/").replace(" / ", "/").replace("  ", " ")] = lead
    for path, lead, title, members in _TEAMS:
        parts = [p.strip() for p in path.replace(">", "/").split("/")]
        parent = "/".join(parts[:-1])
        lead_manager = _email(lead_of[parent]) if parent else _email("lawrence")
        for i, first in enumerate(members):
            role = "viewer" if i == 2 and len(members) > 3 else "member"
            rows.append([f"{first} {parts[-1]}", _email(first), path, role, _email(lead), "no", "Engineer"])
        role = "champion" if parent == "" and path == "Engineering" else "member"
        rows.append([f"{lead} {parts[-1]}", _email(lead), path, role, lead_manager, "yes", title])
    return rows


def people_csv(rows: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(people_rows() if rows is None else rows)
    return out.getvalue().encode()


def people_xlsx(rows: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "People"
    ws.append(header or HEADER)
    for row in people_rows() if rows is None else rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
