"""Routes of the objectivity checks (mounted at /assessments/objectivity/)."""

from django.urls import path

from assessments.objectivity import views

app_name = "objectivity"

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("runs/<int:checkrun_pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:checkrun_pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:checkrun_pk>/export.xlsx", views.run_export, name="run-export"),
    path("runs/<int:checkrun_pk>/roadmap/", views.run_into_roadmap, name="run-into-roadmap"),
    path("findings/<int:checkfinding_pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:checkfinding_pk>/answer/", views.finding_answer, name="finding-answer"),
    path("answers/<int:flaganswer_pk>/delete/", views.answer_delete, name="answer-delete"),
    path("official/", views.official_upload, name="official-upload"),
    path("official/<int:officiallist_pk>/", views.official_detail, name="official-detail"),
]
