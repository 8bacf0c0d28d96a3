"""The pages people use every week: My week, the weekly check-in, quick check-in, settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from ambit.accounts import services as account_services
from ambit.accounts.forms import ProfileForm
from ambit.accounts.middleware import SESSION_KEY
from ambit.accounts.models import Membership
from ambit.accounts.selectors import memberships_of_user
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.numbers import number_locale_from_header
from ambit.core.page_cache import PageCache
from ambit.core.params import parse_id
from ambit.core.permissions import CHECK_IN_DENIED, can_check_in, can_create_objectives, require_writer
from ambit.core.web import member_required
from ambit.front.forms import RAG_CHOICES, CheckInForm, build_rows
from ambit.front.week import check_in_candidates, key_result_item, my_week, week_cycle
from ambit.okrs.data_version import kept_page_key
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import check_in_history, key_result_for_check_in
from ambit.okrs.services import check_in_many


def _safe_next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False):
        return nxt
    return default


@member_required
def home(request: MemberRequest) -> HttpResponse:
    """My week. Its body is kept between writes (``core.page_cache``): until the organisation's
    data moves, a person's week is drawn once, not on every visit."""
    member = request.member
    cycles, cycle = week_cycle(actor=member, cycle_param=request.GET.get("cycle"))
    page = PageCache(
        key=kept_page_key(request, member=member, view="my-week"),
        build=lambda: {"week": my_week(actor=member, cycle=cycle, cycles=cycles)},
    )
    context = {
        "page_cache": page,
        "cycle": cycle,
        "cycles": cycles,
        "org": member.organisation,
        "can_create_objective": can_create_objectives(member),
        # The header's unread badge brings the early warnings this person has not acknowledged.
        "warnings_scope": "mine",
    }
    return render(request, "front/home.html", context)


def _success_message(request: HttpRequest, count: int, warnings: list[tuple[str, str]]) -> None:
    noun = "key result" if count == 1 else "key results"
    messages.success(request, f"Checked in {count} {noun}. Thank you!")
    for title, warning in warnings:
        messages.warning(request, f"Early warning on “{title}”: {warning}. It is noted in the key result's history.")


@member_required
@require_http_methods(["GET", "POST"])
def checkin(request: MemberRequest) -> HttpResponse:
    """The weekly check-in: every due key result in one form, saved all-or-nothing. The empty form
    is kept between writes (``core.page_cache``); a submitted one is always drawn afresh."""
    member = request.member
    if request.method == "GET":
        return _checkin_page(request, member)
    require_writer(member)
    show_all = request.POST.get("all") == "1"
    cycles, cycle = week_cycle(actor=member, cycle_param=request.POST.get("cycle"))
    locale = number_locale(request)
    # Validated against the form's rows alone (check_in_candidates); the page around them, with
    # My week's numbers, is only drawn when something is wrong.
    krs, flags = check_in_candidates(actor=member, cycle=cycle, show_all=show_all) if cycle else ([], {})
    rows = build_rows(
        key_results=krs,
        metrics={},
        organisation=member.organisation,
        locale=locale,
        due={pk: f.due for pk, f in flags.items()},
    )
    form = CheckInForm(rows, request.POST)
    service_errors: Mapping[str, Sequence[str]] | None = None
    if form.is_valid(only_changed_unless_due=True):
        if not form.entries:
            messages.info(request, "Nothing changed, so nothing was recorded.")
            return redirect(_home_url(cycle))
        try:
            results = check_in_many(actor=member, entries=form.entries)
        except ValidationError as exc:
            service_errors = exc.message_dict
        else:
            warnings = [(e.key_result.title, w) for e, r in zip(form.entries, results, strict=True) for w in r.warnings]
            _success_message(request, len(results), warnings)
            return redirect(_home_url(cycle))
    # Drawn as the page draws it, the same rows validated again to place each error.
    found = _checkin_form(member, cycle, cycles, show_all=show_all, locale=locale, data=request.POST)
    form = found["form"]
    form.is_valid(only_changed_unless_due=True)
    if service_errors:
        form.add_service_errors(service_errors)
    context = {**_checkin_frame(member, cycle, show_all), **found}
    return render(request, "front/checkin.html", context, status=400 if form.errors else 200)


def _checkin_page(request: MemberRequest, member: Membership) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    cycles, cycle = week_cycle(actor=member, cycle_param=request.GET.get("cycle"))
    locale = number_locale(request)  # the form's numbers are written the reader's way: part of the key
    page = PageCache(
        key=kept_page_key(request, member=member, view=f"check-in-{locale}"),
        build=lambda: _checkin_form(member, cycle, cycles, show_all=show_all, locale=locale, data=None),
    )
    return render(request, "front/checkin.html", {"page_cache": page, **_checkin_frame(member, cycle, show_all)})


def _checkin_frame(member: Membership, cycle: Cycle | None, show_all: bool) -> dict[str, Any]:
    """What the check-in page shows around its form."""
    return {
        "cycle": cycle,
        "show_all": show_all,
        "org": member.organisation,
        "can_write": member.can_write,
        "rag_choices": RAG_CHOICES,
    }


def _checkin_form(
    member: Membership,
    cycle: Cycle | None,
    cycles: list[Cycle],
    *,
    show_all: bool,
    locale: str,
    data: QueryDict | None,
) -> dict[str, Any]:
    """The form: a row for each key result the member checks in here (the due ones, or all)."""
    # The rows and whether each is due: this page draws no forecast, so none is computed.
    week = my_week(actor=member, cycle=cycle, cycles=cycles, with_forecast=False)
    # A key result that takes its progress from its child objectives is checked in there, not here.
    items = [i for i in week.items if i.can_check_in and not i.km.linked and (show_all or i.km.due)]
    rows = build_rows(
        key_results=[i.kr for i in items],
        metrics={i.kr.pk: i.km for i in items},
        organisation=member.organisation,
        locale=locale,
    )
    return {"form": CheckInForm(rows, data), "week": week, "due_count": len(week.due)}


def number_locale(request: HttpRequest) -> str:
    """How this person writes numbers: nobody stores a preference yet, so their browser's language."""
    return number_locale_from_header(request.headers.get("Accept-Language", ""))


# The quick check-in offers this many of the latest check-ins to correct.
CORRECTABLE_CHECK_INS = 10


def _home_url(cycle: Cycle | None) -> str:
    url = reverse("front:home")
    return f"{url}?cycle={cycle.pk}" if cycle is not None else url


def _record_quick_check_in(request: MemberRequest, pk: int, back: str) -> HttpResponse | Mapping[str, Sequence[str]]:
    """The quick check-in's POST, read for the write alone: the key result with its objective and
    cycle (one query), its earlier check-ins only when one is corrected, and the row's fresh
    metrics only for HTMX (a plain POST redirects). Returns the response once saved, else the
    service's errors (none when the form does not parse) for the form shown again."""
    member = request.member
    kr = key_result_for_check_in(actor=member, key_result_id=pk)
    require_writer(member)
    if not can_check_in(member, kr):
        raise PermissionDenied(CHECK_IN_DENIED)
    history = {}
    if request.POST.get(f"kr-{pk}-corrects"):
        latest = check_in_history(actor=member, key_result=kr).order_by("-created_at", "-id")
        history = {kr.pk: list(latest[:CORRECTABLE_CHECK_INS])}
    rows = build_rows(
        key_results=[kr], metrics={}, organisation=member.organisation, locale=number_locale(request), history=history
    )
    form = CheckInForm(rows, request.POST)
    if not form.is_valid():
        return {}
    try:
        (result,) = check_in_many(actor=member, entries=form.entries)
    except ValidationError as exc:
        return exc.message_dict
    if request.htmx:
        # The service left ``kr`` as the check-in leaves it: only its metrics are read again.
        km = key_result_metrics(organisation=member.organisation, key_result=kr)
        context = {"kr": kr, "km": km, "can_check_in": True, "next": back, "just_saved": True}
        return render(request, "front/partials/kr_row.html", {**context, "warnings": result.warnings})
    _success_message(request, 1, [(kr.title, w) for w in result.warnings])
    return redirect(back)


@member_required
@require_http_methods(["GET", "POST"])
def kr_checkin(request: MemberRequest, pk: int) -> HttpResponse:
    """Quick check-in on one key result. With HTMX: GET gives the inline form, a successful POST
    gives the updated row; without HTMX it is a small page that redirects back."""
    member = request.member
    back = _safe_next(request, reverse("front:home"))
    service_errors: Mapping[str, Sequence[str]] = {}
    if request.method == "POST":
        outcome = _record_quick_check_in(request, pk, back)
        if isinstance(outcome, HttpResponse):
            return outcome
        service_errors = outcome  # not saved: the form is shown again below, with why
    item = key_result_item(actor=member, key_result_id=pk)
    if not item.can_check_in:  # core.permissions.can_check_in, computed once with the item
        raise PermissionDenied(CHECK_IN_DENIED)
    latest = check_in_history(actor=member, key_result=item.kr).order_by("-created_at", "-id")
    rows = build_rows(
        key_results=[item.kr],
        metrics={item.kr.pk: item.km},
        organisation=member.organisation,
        locale=number_locale(request),
        history={item.kr.pk: list(latest[:CORRECTABLE_CHECK_INS])},
    )
    form = CheckInForm(rows, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.add_service_errors(service_errors)
    context = {
        "row": form.rows[0],
        "form": form,
        "item": item,
        "next": back,
        "org": member.organisation,
        "rag_choices": RAG_CHOICES,
        # Only an HTMX request has a row on the page for the form to replace.
        "inline": bool(request.htmx),
    }
    if request.htmx:
        response = render(request, "front/partials/kr_checkin_form.html", context)
        if form.is_bound:
            # The form posts to replace the whole row; on errors put the form back where it was.
            response = reswap(retarget(response, f"#kr-{pk}-slot"), "innerHTML")
        return response
    return render(request, "front/kr_checkin.html", context, status=400 if form.is_bound and form.errors else 200)


def _api_tokens_url() -> str:
    try:
        return reverse("apitokens:api-tokens")
    except NoReverseMatch:
        return ""


@member_required
@require_http_methods(["GET", "POST"])
def settings_view(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = ProfileForm(request.POST or None, initial={"full_name": request.user.full_name})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            account_services.user_update_profile(user=request.user, full_name=form.cleaned_data["full_name"])
        if not form.errors:
            messages.success(request, "Your profile is saved.")
            return redirect("front:settings")
    context = {
        "form": form,
        "memberships": list(memberships_of_user(user=request.user)),
        "api_tokens_url": _api_tokens_url(),
        "member": member,
    }
    return render(request, "front/settings.html", context)


@require_POST
def switch_org(request: HttpRequest) -> HttpResponse:
    """Act in another of the user's organisations (the id must be one of their memberships)."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    membership_id = parse_id(request.POST.get("membership"))
    wanted = (
        memberships_of_user(user=request.user).filter(pk=membership_id).first() if membership_id is not None else None
    )
    if wanted is None:
        raise Http404("No such organisation.")
    request.session[SESSION_KEY] = wanted.pk
    messages.success(request, f"You are now working in {wanted.organisation.name}.")
    return redirect("front:home")
