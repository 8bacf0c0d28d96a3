from django.urls import URLPattern, URLResolver, path

from ambit.planning import views, views_meeting

app_name = "planning"
urlpatterns: list[URLPattern | URLResolver] = [
    path("planning/", views.hub, name="hub"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/approve/", views.approve_many, name="approve-many"),
    path("approvals/badge/", views.approvals_badge, name="approvals-badge"),
    path("approvals/<int:pk>/approve/", views.approve, name="approve"),
    path("approvals/<int:pk>/send-back/", views.send_back, name="send-back"),
    path("approvals/<int:pk>/propose/", views.propose, name="propose"),
    path("cycles/<int:cycle_id>/meeting/", views_meeting.meeting, name="meeting"),
    path("cycles/<int:cycle_id>/meeting/notes/", views_meeting.notes_page, name="meeting-notes"),
    path("meeting-notes/<int:pk>/done/", views_meeting.note_done, name="note-done"),
    path("meeting-notes/<int:pk>/delete/", views_meeting.note_delete, name="note-delete"),
    path("cycles/<int:cycle_id>/publish/", views.publish, name="publish"),
]
