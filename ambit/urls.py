from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("ambit.api.urls")),
    path("accounts/", include("ambit.accounts.urls")),
    path("sheets/", include("ambit.sheets.urls")),
    path("strategy/", include("ambit.okrs.urls_strategy")),
    path("settings/tokens/", include("ambit.api.web_urls")),
    path("settings/webhooks/", include("ambit.hooks.urls")),
    path("settings/chat/", include("ambit.chat.urls")),
    path("settings/people/import/", include("ambit.people.urls")),
    path("", include("ambit.accounts.urls_setup")),
    path("", include("ambit.planning.urls")),
    path("", include("ambit.quality.urls")),
    path("okr-templates/", include("ambit.library.urls")),
    path("", include("ambit.kpis.urls")),
    path("", include("ambit.discussion.urls")),
    path("", include("ambit.rituals.urls")),
    path("", include("ambit.oneonones.urls")),
    path("", include("ambit.initiatives.urls")),
    path("", include("ambit.teammeetings.urls")),
    path("", include("ambit.reviews.urls")),
    path("", include("ambit.closeout.urls")),
    path("", include("ambit.retros.urls")),
    path("", include("ambit.rollover.urls")),
    path("", include("ambit.reports.urls")),
    path("", include("ambit.present.urls")),
    path("", include("ambit.trash.urls")),
    path("", include("ambit.calendars.urls")),
    path("", include("ambit.notify.urls_email")),
    path("", include("ambit.notify.urls")),
    path("", include("ambit.okrs.urls")),
    path("", include("ambit.dashboards.urls")),
    path("", include("ambit.front.urls")),
]

# Refusals and missing pages render in the site layout with the reason the service gave.
handler403 = "ambit.core.error_pages.permission_denied"
handler404 = "ambit.core.error_pages.page_not_found"
