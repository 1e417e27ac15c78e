from django.urls import include, path

from . import views, views_equipment

app_name = "caravan"

urlpatterns = [
    path("caravan/schools/", views.school_list, name="school_list"),
    path("caravan/schools/import/", views.school_import, name="school_import"),
    path(
        "caravan/schools/import/template.csv",
        views.school_import_template,
        name="school_import_template",
    ),
    path("caravan/tours/", views.tour_list, name="tour_list"),
    path("caravan/tours/<int:pk>/", views.tour_detail, name="tour_detail"),
    path("caravan/tours/<int:pk>/roadbook.pdf", views.tour_roadbook, name="tour_roadbook"),
    path("caravan/tours/<int:pk>/cancel-day/", views.tour_cancel_day, name="tour_cancel_day"),
    path("caravan/tours/<int:pk>/decide/", views.tour_decide, name="tour_decide"),
    path("caravan/tours/ical/<str:token>.ics", views.tour_ical, name="tour_ical"),
    path("caravan/workshops/", views_equipment.workshop_list, name="workshop_list"),
    path("caravan/workshops/<int:pk>/", views_equipment.workshop_list, name="workshop_edit"),
    path("caravan/kits/", views_equipment.kit_stock, name="kit_stock"),
    path("", include("markaz.caravan.urls_sync")),
    path("", include("markaz.caravan.urls_coverage")),
]
