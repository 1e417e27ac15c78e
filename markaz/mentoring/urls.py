from django.urls import path

from . import views

app_name = "mentoring"

urlpatterns = [
    path("mentoring/", views.home, name="home"),
    path("mentoring/caseloads/", views.caseloads, name="caseloads"),
    path("mentoring/assign/", views.assign, name="assign"),
    path("mentoring/mentors/<int:pk>/profile/", views.mentor_profile, name="mentor_profile"),
    path("mentoring/mentees/", views.mentee_list, name="mentee_list"),
    path("mentoring/mentees/<int:pk>/", views.mentee_detail, name="mentee_detail"),
    path("mentoring/mentees/<int:person_pk>/end/", views.assignment_end, name="assignment_end"),
    path("mentoring/mentees/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("mentoring/mentees/<int:pk>/plan/steps/", views.step_add, name="step_add"),
    path("mentoring/mentees/<int:pk>/plan/referrals/", views.referral_add, name="referral_add"),
    path("mentoring/steps/<int:pk>/done/", views.step_done, name="step_done"),
    path("mentoring/referrals/<int:pk>/", views.referral_update, name="referral_update"),
    path("mentoring/mentees/<int:pk>/baseline/", views.baseline_edit, name="baseline_edit"),
    path("mentoring/mentees/<int:pk>/notes/new/", views.note_create, name="note_create"),
    path("mentoring/notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("mentoring/sessions/", views.agenda, name="agenda"),
    path("mentoring/sessions/new/", views.session_create, name="session_create"),
    path("mentoring/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("mentoring/sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("mentoring/alerts/", views.alerts, name="alerts"),
    path("mentoring/followups/", views.followup_list, name="followup_list"),
    path("mentoring/followups/<int:pk>/", views.followup_record, name="followup_record"),
]
