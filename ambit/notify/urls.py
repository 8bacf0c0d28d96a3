from django.urls import path

from ambit.notify import views

app_name = "notify"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/unread/", views.unread_badge, name="unread-badge"),
    path("notifications/read-all/", views.mark_all_read, name="read-all"),
    path("notifications/<int:pk>/read/", views.mark_read, name="read"),
    path("notifications/links/revoke/", views.revoke_links, name="revoke-links"),
    path("n/check-in/<str:token>/", views.checkin_link, name="checkin-link"),
]
