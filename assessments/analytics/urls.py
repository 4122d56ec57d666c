"""Routes of analytics (mounted at /assessments/): the analytic tables under
/assessments/analytics/, and a pupil's learning route (ИОМ) kept by the school
at /assessments/routes/<result>/, its address from before analytics had its own."""

from django.urls import include, path

from assessments.analytics import views

app_name = "analytics"

tables = [
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

urlpatterns = [
    path("analytics/", include(tables)),
    path("routes/<int:result_pk>/", views.learning_route_edit, name="learning-route"),
]
