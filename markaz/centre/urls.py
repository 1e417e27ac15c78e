from django.urls import include, path

from . import views, views_setup

app_name = "centre"

urlpatterns = [
    path("kiosk/device-scan/", views.kiosk_device_scan, name="kiosk_device_scan"),  # hot path
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/pair/", views.kiosk_pair, name="kiosk_pair"),
    path("kiosk/devices/", views.kiosk_devices, name="kiosk_devices"),
    path("kiosk/devices/<int:pk>/pair/", views.kiosk_device_repair, name="kiosk_device_repair"),
    path("kiosk/devices/<int:pk>/revoke/", views.kiosk_device_revoke, name="kiosk_device_revoke"),
    path("kiosk/count/", views.kiosk_count, name="kiosk_count"),
    path("building/", views.roll_call, name="roll_call"),
    path("building/close-day/", views.door_close_day, name="door_close_day"),
    path("registry/<int:person_pk>/badge/", views.person_badge, name="person_badge"),
    path("cohorts/<int:cohort_pk>/badges.pdf", views.cohort_badges_pdf, name="cohort_badges"),
    path("timetables/", views.timetable_list, name="timetable_list"),
    path("timetables/<int:pk>/", views.timetable_detail, name="timetable_detail"),
    path("week/", views.week_view, name="week"),
    path("sessions/<int:pk>/move/", views.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("ical/<str:token>.ics", views.ical, name="ical"),
    path("plan/", views.year_plan, name="year_plan_current"),
    path("plan/<int:year>/", views.year_plan, name="year_plan"),
    path("setup/", views_setup.first_run, name="setup"),
    path("", include("markaz.centre.urls_settings")),
]
