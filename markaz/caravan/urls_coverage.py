from django.urls import path

from . import views_coverage

urlpatterns = [
    path("caravan/coverage/", views_coverage.coverage, name="coverage"),
    path("caravan/coverage.xlsx", views_coverage.coverage_xlsx, name="coverage_xlsx"),
    path("caravan/bookings/", views_coverage.booking_list, name="booking_list"),
    path("caravan/bookings/new/", views_coverage.booking_create, name="booking_create"),
    path("caravan/bookings/<int:pk>/cancel/", views_coverage.booking_cancel, name="booking_cancel"),
]
