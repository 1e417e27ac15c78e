"""The caravan tablet (offline PWA) and its JSON API; included by urls.py in namespace "caravan"."""

from django.urls import path

from . import views_sync

urlpatterns = [
    path("caravan/tablet/", views_sync.tablet, name="tablet"),
    path("caravan/tablet/sw.js", views_sync.tablet_service_worker, name="tablet_sw"),
    path("caravan/tablet/manifest.webmanifest", views_sync.tablet_manifest, name="tablet_manifest"),
    path("caravan/tablet/api/visits/", views_sync.tablet_visits, name="tablet_visits"),
    path("caravan/tablet/api/reports/", views_sync.tablet_reports, name="tablet_reports"),
]
