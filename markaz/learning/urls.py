from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("sessions/mine/", views.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("learning/cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/<int:pk>/completion/", views.cohort_completion, name="cohort_completion"),
    path("cohorts/<int:pk>/completion/rule/", views.completion_rule, name="completion_rule"),
    path(
        "cohorts/<int:pk>/completion/decide/", views.completions_decide, name="completions_decide"
    ),
    path(
        "cohorts/<int:pk>/certificates/issue/", views.certificates_issue, name="certificates_issue"
    ),
    path("enrolments/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
