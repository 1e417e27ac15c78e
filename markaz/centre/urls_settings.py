from django.urls import path

from . import views_settings as v

urlpatterns = [
    path("settings/", v.settings_home, name="settings"),
    path("settings/hours/", v.opening_hours, name="settings_hours"),
    path("settings/closures/", v.closure_list, name="settings_closures"),
    path("settings/closures/<int:pk>/", v.closure_edit, name="settings_closure"),
    path("settings/closures/<int:pk>/delete/", v.closure_delete, name="settings_closure_delete"),
    path("settings/ramadan/", v.ramadan_list, name="settings_ramadan"),
    path("settings/ramadan/<int:pk>/", v.ramadan_edit, name="settings_ramadan_edit"),
    path("settings/ramadan/<int:pk>/delete/", v.ramadan_delete, name="settings_ramadan_delete"),
    path("settings/rooms/", v.room_list, name="settings_rooms"),
    path("settings/rooms/<int:pk>/", v.room_list, name="settings_room"),
    path("settings/trainers/", v.trainer_list, name="settings_trainers"),
    path("settings/trainers/<int:user_pk>/", v.trainer_availability, name="settings_trainer"),
    path(
        "settings/unavailability/<int:pk>/delete/",
        v.unavailability_delete,
        name="settings_unavailability_delete",
    ),
    path("settings/staff/", v.staff_list, name="settings_staff"),
    path("settings/staff/new/", v.staff_create, name="settings_staff_create"),
    path("settings/staff/<int:pk>/", v.staff_edit, name="settings_staff_edit"),
    path(
        "settings/staff/<int:pk>/<str:action>/",
        v.staff_action,
        name="settings_staff_action",
    ),
    path(
        "staff/password/<uidb64>/<token>/",
        v.SetPasswordView.as_view(),
        name="staff_set_password",
    ),
]
