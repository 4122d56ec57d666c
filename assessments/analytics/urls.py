"""Routes of the analytic tables (mounted at /assessments/analytics/)."""

from django.urls import path

from assessments.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.procedure_list, name="procedure-list"),
    path("<int:procedure_pk>/", views.procedure_detail, name="procedure-detail"),
    path("<int:procedure_pk>/region/", views.procedure_region, name="procedure-region"),
    path(
        "<int:procedure_pk>/municipalities/<int:municipality_pk>/",
        views.procedure_municipality,
        name="procedure-municipality",
    ),
    path(
        "<int:procedure_pk>/schools/<int:school_pk>/",
        views.procedure_school,
        name="procedure-school",
    ),
    path(
        "<int:procedure_pk>/schools/<int:school_pk>/deficits/",
        views.procedure_deficits,
        name="procedure-deficits",
    ),
    path(
        "<int:procedure_pk>/results/<int:result_pk>/route/",
        views.result_route,
        name="result-route",
    ),
]
