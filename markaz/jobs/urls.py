from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.home, name="home"),
    path("jobs/employers/", views.employer_list, name="employer_list"),
    path("jobs/employers/new/", views.employer_edit, name="employer_create"),
    path("jobs/employers/<int:pk>/", views.employer_detail, name="employer_detail"),
    path("jobs/employers/<int:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("jobs/employers/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("jobs/opportunities/", views.opportunity_list, name="opportunity_list"),
    path("jobs/opportunities/new/", views.opportunity_edit, name="opportunity_create"),
    path("jobs/opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("jobs/opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("jobs/opportunities/<int:pk>/send/", views.opportunity_send, name="opportunity_send"),
    path("jobs/candidacies/<int:pk>/", views.candidacy_detail, name="candidacy_detail"),
    path("jobs/candidacies/<int:pk>/move/", views.candidacy_move, name="candidacy_move"),
    path("jobs/candidacies/<int:pk>/hire/", views.candidacy_hire, name="candidacy_hire"),
    path("jobs/candidacies/<int:pk>/leave/", views.candidacy_leave, name="candidacy_leave"),
    path("jobs/candidacies/<int:pk>/convention.pdf", views.convention_pdf, name="convention_pdf"),
    path("jobs/youth/", views.youth_list, name="youth_list"),
    path("jobs/youth/<int:pk>/", views.person_detail, name="person_detail"),
    path("jobs/youth/<int:pk>/wishes/", views.wish_edit, name="wish_edit"),
    path("jobs/youth/<int:pk>/placements/", views.placement_add, name="placement_add"),
    path("jobs/placements/", views.placement_list, name="placement_list"),
    path("jobs/projects/", views.project_list, name="project_list"),
    path("jobs/projects/new/", views.project_edit, name="project_create"),
    path("jobs/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("jobs/projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("jobs/projects/<int:pk>/stage/", views.project_stage, name="project_stage"),
    path("jobs/projects/<int:pk>/financing/", views.financing_add, name="financing_add"),
    path("jobs/financing/<int:pk>/", views.financing_edit, name="financing_edit"),
    path("jobs/projects/<int:pk>/creation/", views.creation_add, name="creation_add"),
    path("jobs/visits/<int:pk>/", views.visit_record, name="visit_record"),
]
