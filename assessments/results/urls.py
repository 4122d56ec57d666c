from django.urls import path

from assessments.results import views

app_name = "assessments"

urlpatterns = [
    path("", views.procedure_list, name="procedure-list"),
    path("procedures/<int:procedure_pk>/", views.procedure_detail, name="procedure-detail"),
    path(
        "procedures/<int:procedure_pk>/schools/<int:school_pk>/",
        views.school_results,
        name="school-results",
    ),
    path("scales/", views.scale_list, name="scale-list"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:importbatch_pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:importbatch_pk>/progress/", views.import_progress, name="import-progress"),
    path(
        "imports/<int:importbatch_pk>/columns/",
        views.import_columns,
        name="import-columns",
    ),
    path(
        "imports/<int:importbatch_pk>/problems.xlsx",
        views.import_problems,
        name="import-problems",
    ),
]
