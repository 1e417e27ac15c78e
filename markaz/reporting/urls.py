from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("indicators/", views.dashboard, name="dashboard"),
    path("indicators/records/<slug:code>/", views.records, name="records"),
    path("indicators/export/<slug:kind>/", views.export, name="export"),
]
