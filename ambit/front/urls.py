from django.urls import path

from ambit.front import views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
    path("check-in/", views.checkin, name="checkin"),
    path("key-results/<int:pk>/check-in/", views.kr_checkin, name="kr-checkin"),
    path("settings/", views.settings_view, name="settings"),
    path("switch-org/", views.switch_org, name="switch-org"),
]
