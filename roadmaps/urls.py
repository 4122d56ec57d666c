from django.urls import path

from roadmaps import editor_views, views

app_name = "roadmaps"

urlpatterns = [
    path("", views.roadmap_list, name="roadmap-list"),
    path("new/", views.roadmap_create, name="roadmap-create"),
    path("import/", views.roadmap_import, name="roadmap-import"),
    path("my/", views.assignment_list, name="assignment-list"),
    path("reports/", views.report_queue, name="report-queue"),
    path("search/", views.search, name="search"),
    path("<int:roadmap_pk>/", views.roadmap_detail, name="roadmap-detail"),
    path("<int:roadmap_pk>/edit/", views.roadmap_edit, name="roadmap-edit"),
    path("<int:roadmap_pk>/approve/", views.roadmap_approve, name="roadmap-approve"),
    path("<int:roadmap_pk>/in-force/", views.roadmap_in_force, name="roadmap-in-force"),
    path("<int:roadmap_pk>/close/", views.roadmap_close, name="roadmap-close"),
    path("<int:roadmap_pk>/revise/", views.roadmap_revise, name="roadmap-revise"),
    path("<int:roadmap_pk>/cascade/", views.roadmap_cascade, name="roadmap-cascade"),
    path(
        "<int:roadmap_pk>/schools/<int:school_pk>/start/",
        views.roadmap_start_school,
        name="roadmap-start-school",
    ),
    path("<int:roadmap_pk>/history/", views.roadmap_history, name="roadmap-history"),
    # The table editor and its JSON endpoints (roadmaps/editor_views.py).
    path("<int:roadmap_pk>/table/", editor_views.editor, name="roadmap-editor"),
    path(
        "<int:roadmap_pk>/table/measures/",
        editor_views.measure_create,
        name="editor-measure-create",
    ),
    path("<int:roadmap_pk>/table/paste/", editor_views.paste, name="editor-paste"),
    path("<int:roadmap_pk>/table/order/", editor_views.reorder, name="editor-order"),
    path(
        "<int:roadmap_pk>/table/sections/",
        editor_views.section_create,
        name="editor-section-create",
    ),
    path("table/measures/<int:measure_pk>/", editor_views.measure_save, name="editor-measure-save"),
    path(
        "table/measures/<int:measure_pk>/delete/",
        editor_views.measure_delete,
        name="editor-measure-delete",
    ),
    path("table/sections/<int:section_pk>/", editor_views.section_save, name="editor-section-save"),
    path(
        "<int:roadmap_pk>/export.xlsx",
        views.roadmap_export,
        {"fmt": "xlsx"},
        name="roadmap-export-xlsx",
    ),
    path(
        "<int:roadmap_pk>/export.docx",
        views.roadmap_export,
        {"fmt": "docx"},
        name="roadmap-export-docx",
    ),
    path(
        "<int:roadmap_pk>/revisions/<int:revision_pk>/",
        views.revision_detail,
        name="revision-detail",
    ),
    path(
        "<int:roadmap_pk>/deadline-preview/",
        views.deadline_preview,
        name="measure-deadline-preview",
    ),
    path("<int:roadmap_pk>/sections/new/", views.section_create, name="section-create"),
    path("sections/<int:section_pk>/edit/", views.section_edit, name="section-edit"),
    path("sections/<int:section_pk>/move/", views.section_move, name="section-move"),
    path("sections/<int:section_pk>/delete/", views.section_delete, name="section-delete"),
    path("<int:roadmap_pk>/measures/new/", views.measure_create, name="measure-create"),
    path("measures/<int:measure_pk>/edit/", views.measure_edit, name="measure-edit"),
    path("measures/<int:measure_pk>/move/", views.measure_move, name="measure-move"),
    path("measures/<int:measure_pk>/delete/", views.measure_delete, name="measure-delete"),
    path(
        "measures/<int:measure_pk>/indicators/new/",
        views.indicator_create,
        name="indicator-create",
    ),
    path("indicators/<int:indicator_pk>/delete/", views.indicator_delete, name="indicator-delete"),
    path("assignments/<int:assignment_pk>/report/", views.report_create, name="report-create"),
    path("reports/<int:progress_report_pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:progress_report_pk>/accept/", views.report_accept, name="report-accept"),
    path("reports/<int:progress_report_pk>/return/", views.report_return, name="report-return"),
    path("evidence/<int:evidence_pk>/", views.evidence_download, name="evidence-download"),
    path("schools/<int:school_pk>/proof-pack/", views.proof_pack, name="proof-pack"),
]
