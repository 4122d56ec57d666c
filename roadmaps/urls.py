from django.urls import path

from roadmaps.views import editor, importing, measure, report, roadmap, section, workflow

app_name = "roadmaps"

urlpatterns = [
    path("", roadmap.roadmap_list, name="roadmap-list"),
    path("new/", roadmap.roadmap_create, name="roadmap-create"),
    path("import/", importing.roadmap_import, name="roadmap-import"),
    path("my/", report.assignment_list, name="assignment-list"),
    path("reports/", report.report_queue, name="report-queue"),
    path("search/", roadmap.search, name="search"),
    path("<int:roadmap_pk>/", roadmap.roadmap_detail, name="roadmap-detail"),
    path("<int:roadmap_pk>/edit/", roadmap.roadmap_edit, name="roadmap-edit"),
    path("<int:roadmap_pk>/approve/", workflow.roadmap_approve, name="roadmap-approve"),
    path("<int:roadmap_pk>/in-force/", workflow.roadmap_in_force, name="roadmap-in-force"),
    path("<int:roadmap_pk>/close/", workflow.roadmap_close, name="roadmap-close"),
    path("<int:roadmap_pk>/revise/", workflow.roadmap_revise, name="roadmap-revise"),
    path("<int:roadmap_pk>/cascade/", workflow.roadmap_cascade, name="roadmap-cascade"),
    path(
        "<int:roadmap_pk>/schools/<int:school_pk>/start/",
        workflow.roadmap_start_school,
        name="roadmap-start-school",
    ),
    path("<int:roadmap_pk>/history/", roadmap.roadmap_history, name="roadmap-history"),
    # The table editor and its JSON endpoints (roadmaps/editor.py).
    path("<int:roadmap_pk>/table/", editor.editor, name="roadmap-editor"),
    path(
        "<int:roadmap_pk>/table/measures/",
        editor.measure_create,
        name="editor-measure-create",
    ),
    path("<int:roadmap_pk>/table/paste/", editor.paste, name="editor-paste"),
    path("<int:roadmap_pk>/table/order/", editor.reorder, name="editor-order"),
    path(
        "<int:roadmap_pk>/table/sections/",
        editor.section_create,
        name="editor-section-create",
    ),
    path("table/measures/<int:measure_pk>/", editor.measure_save, name="editor-measure-save"),
    path(
        "table/measures/<int:measure_pk>/delete/",
        editor.measure_delete,
        name="editor-measure-delete",
    ),
    path("table/sections/<int:section_pk>/", editor.section_save, name="editor-section-save"),
    path(
        "<int:roadmap_pk>/export.xlsx",
        roadmap.roadmap_export,
        {"fmt": "xlsx"},
        name="roadmap-export-xlsx",
    ),
    path(
        "<int:roadmap_pk>/export.docx",
        roadmap.roadmap_export,
        {"fmt": "docx"},
        name="roadmap-export-docx",
    ),
    path(
        "<int:roadmap_pk>/revisions/<int:revision_pk>/",
        workflow.revision_detail,
        name="revision-detail",
    ),
    path(
        "<int:roadmap_pk>/deadline-preview/",
        measure.deadline_preview,
        name="measure-deadline-preview",
    ),
    path("<int:roadmap_pk>/sections/new/", section.section_create, name="section-create"),
    path("sections/<int:section_pk>/edit/", section.section_edit, name="section-edit"),
    path("sections/<int:section_pk>/move/", section.section_move, name="section-move"),
    path("sections/<int:section_pk>/delete/", section.section_delete, name="section-delete"),
    path("<int:roadmap_pk>/measures/new/", measure.measure_create, name="measure-create"),
    path("measures/<int:measure_pk>/edit/", measure.measure_edit, name="measure-edit"),
    path("measures/<int:measure_pk>/move/", measure.measure_move, name="measure-move"),
    path("measures/<int:measure_pk>/delete/", measure.measure_delete, name="measure-delete"),
    path(
        "measures/<int:measure_pk>/indicators/new/",
        measure.indicator_create,
        name="indicator-create",
    ),
    path(
        "indicators/<int:indicator_pk>/delete/", measure.indicator_delete, name="indicator-delete"
    ),
    path("assignments/<int:assignment_pk>/report/", report.report_create, name="report-create"),
    path("reports/<int:progress_report_pk>/", report.report_detail, name="report-detail"),
    path("reports/<int:progress_report_pk>/accept/", report.report_accept, name="report-accept"),
    path("reports/<int:progress_report_pk>/return/", report.report_return, name="report-return"),
    path("evidence/<int:evidence_pk>/", report.evidence_download, name="evidence-download"),
    path("schools/<int:school_pk>/proof-pack/", report.proof_pack, name="proof-pack"),
]
