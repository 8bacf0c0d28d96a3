"""A date field's value reaches the browser as ISO 8601, the only form ``<input type="date">``
reads: in the site's locale (en-GB) Django's own ``DateInput`` wrote ``01/04/2031``, which the
browser drops, so a form shown with a date came back empty ("This field is required")."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django import forms
from django.utils import translation

from ambit.core.forms import DateInput
from ambit.oneonones.forms import ScheduleForm
from ambit.reviews.forms import OpenForm

ROOT = Path(__file__).resolve().parents[2] / "ambit"


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())


def test_a_date_is_written_as_iso_whatever_the_locale() -> None:
    for language in ("en-gb", "en-us", "de"):
        with translation.override(language):
            html = str(_Form(initial={"day": dt.date(2031, 4, 1)})["day"])
            assert 'type="date"' in html and 'value="2031-04-01"' in html, (language, html)
            assert _Form(data={"day": "2031-04-01"}).is_valid()


def test_the_app_forms_prefill_their_dates_as_iso() -> None:
    with translation.override("en-gb"):
        assert 'value="2031-04-01"' in str(OpenForm(initial={"meeting_on": dt.date(2031, 4, 1)})["meeting_on"])
        assert 'value="2031-04-15"' in str(ScheduleForm(initial={"next_on": dt.date(2031, 4, 15)})["next_on"])


def test_no_form_uses_djangos_date_input_for_a_date_picker() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in ROOT.rglob("*.py")
        if path.name != "forms.py" or path.parent.name != "core"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"forms\.DateInput\(", line)
    ]
    assert not offenders, f"use ambit.core.forms.DateInput: {offenders}"
