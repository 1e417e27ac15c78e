from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("outbox/opt-outs/<int:pk>/remove/", views.opt_out_remove, name="opt_out_remove"),
    path("sms/webhooks/reports/", views.sms_reports_webhook, name="sms_reports_webhook"),
    path("sms/webhooks/inbound/", views.sms_inbound_webhook, name="sms_inbound_webhook"),
]
