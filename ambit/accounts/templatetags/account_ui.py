"""The account's own template tags: ``{% load account_ui %}``.

- ``{% org_switcher %}`` — the organisation menu in the top bar (one query).
"""

from __future__ import annotations

from typing import Any

from django import template

from ambit.accounts.selectors import memberships_of_user
from ambit.core.templatetags.ambit_ui import url_if as _url_if

register = template.Library()


@register.inclusion_tag("partials/org_switcher.html", takes_context=True)
def org_switcher(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    current = context.get("membership")
    user = getattr(request, "user", None)
    memberships = list(memberships_of_user(user=user)) if user is not None and user.is_authenticated else []
    return {
        "memberships": memberships,
        "current": current,
        "csrf_token": context.get("csrf_token"),
        "switch_url": _url_if("front:switch-org"),
        "next": request.get_full_path() if request is not None else "/",
    }
