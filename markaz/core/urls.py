from django.urls import path

from . import views, views_account

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("outbox/opt-outs/<int:pk>/remove/", views.opt_out_remove, name="opt_out_remove"),
    path("sms/webhooks/reports/", views.sms_reports_webhook, name="sms_reports_webhook"),
    path("account/2fa/", views_account.twofactor_enrol, name="twofactor_enrol"),
    path("account/2fa/verify/", views_account.twofactor_verify, name="twofactor_verify"),
    path(
        "account/2fa/reset/<int:user_id>/",
        views_account.twofactor_reset,
        name="twofactor_reset",
    ),
    path("sms/webhooks/inbound/", views.sms_inbound_webhook, name="sms_inbound_webhook"),
]
