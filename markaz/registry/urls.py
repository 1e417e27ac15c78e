from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("registry/", views.person_list, name="person_list"),
    path("registry/reads/", views.read_log, name="read_log"),
    path("registry/new/", views.person_create, name="person_create"),
    path("registry/<int:pk>/", views.person_detail, name="person_detail"),
    path("registry/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("registry/<int:pk>/file.zip", views.person_export, name="person_export"),
    path("registry/<int:pk>/objection/", views.person_objection, name="person_objection"),
    path("registry/<int:pk>/erase/", views.person_erase, name="person_erase"),
    path("registry/duplicates/", views.duplicate_list, name="duplicate_list"),
    path("registry/duplicates/<int:pk>/", views.duplicate_review, name="duplicate_review"),
    path(
        "registry/duplicates/<int:pk>/resolve/", views.duplicate_resolve, name="duplicate_resolve"
    ),
    path(
        "registry/conflicts/<int:pk>/resolve/",
        views.intake_conflict_resolve,
        name="intake_conflict_resolve",
    ),
    path("registry/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("registry/import/", views.import_upload, name="import_upload"),
    path("registry/import/template.csv", views.import_template, name="import_template"),
    path("registry/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("registry/import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("registry/import/<int:pk>/check/", views.import_check_again, name="import_check_again"),
]
