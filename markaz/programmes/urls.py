from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/<slug:centre_code>/", views.apply, name="apply_centre"),
    path("apply/<slug:centre_code>/confirm/", views.apply_confirm, name="apply_confirm"),
    path("apply/<slug:centre_code>/thanks/", views.apply_thanks, name="apply_thanks"),
    path("scoring/", views.scoring_rule, name="scoring"),
    path("results/", views.results_lookup, name="results"),
    path("results/me/", views.results_me, name="results_me"),
    path("results/verify/", views.results_verify, name="results_verify"),
    path("results/code/", views.results_resend, name="results_resend"),
    path(
        "results/offers/<int:offer_id>/<str:answer>/", views.results_answer, name="results_answer"
    ),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_edit, name="programme_create"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("cohorts/new/", views.cohort_edit, name="cohort_create"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("scoring/versions/", views.scoring_manage, name="scoring_manage"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("offers/<int:pk>/<str:answer>/", views.offer_answer_desk, name="offer_answer"),
    path(
        "registry/<int:person_pk>/rank/<int:campaign_pk>/",
        views.person_ranking,
        name="person_ranking",
    ),
    path(
        "registry/<int:person_pk>/applications/",
        views.person_applications,
        name="person_applications",
    ),
]
