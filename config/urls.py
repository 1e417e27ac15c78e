from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from markaz.core.views import healthz

urlpatterns = [
    # Django tries the patterns in order. First the liveness probe (polled every few seconds;
    # also the check-in benchmark's bare baseline), then the door's routes (a queue of scans
    # at opening time).
    path("healthz", healthz, name="healthz"),
    path("", include("markaz.centre.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("markaz.registry.urls")),
    path("", include("markaz.programmes.urls")),
    path("", include("markaz.learning.urls")),
    path("", include("markaz.caravan.urls")),
    path("", include("markaz.reporting.urls")),
    path("", include("markaz.mentoring.urls")),
    path("", include("markaz.jobs.urls")),
    path("", include("markaz.core.urls")),
]

handler400 = "markaz.core.views.bad_request"
