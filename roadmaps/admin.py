"""Admin screens for roadmaps. Staff who are not superusers see only their scope;
history and evidence are read-only here (they are written by the services)."""

from django.contrib import admin

from roadmaps.models import (
    Assignment,
    ChangeRecord,
    Evidence,
    Indicator,
    Measure,
    ProgressReport,
    Revision,
    Roadmap,
    Section,
)
from schools.admin import ScopedAdminMixin


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["number", "title", "parent", "position"]
    extra = 0
    show_change_link = True


@admin.register(Roadmap)
class RoadmapAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "region", "municipality", "school", "status", "order_number"]
    list_filter = ["status", "region"]
    search_fields = ["title", "order_number"]
    inlines = [SectionInline]
    readonly_fields = ["version", "created_at", "updated_at", "approved_at"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Measure)
class MeasureAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "text",
        "roadmap",
        "deadline_text",
        "deadline_kind",
        "for_all_schools",
    ]
    list_filter = ["deadline_kind", "document_kind"]
    # A roadmap is named by its owner, period and order: fetch the owners with the rows.
    list_select_related = ["roadmap__region", "roadmap__municipality", "roadmap__school"]
    search_fields = ["text", "deadline_text", "responsible_text"]
    inlines = [IndicatorInline]
    readonly_fields = ["version", "deadline_kind", "deadline_dates", "deadline_event"]
    filter_horizontal = ["responsible_bodies", "responsible_schools"]


@admin.register(Section)
class SectionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "roadmap"]
    list_select_related = ["roadmap__region", "roadmap__municipality", "roadmap__school"]


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["text", "comparator", "target_value", "unit", "actual_value"]


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["measure", "school", "body", "assignee_text"]
    list_filter = ["municipality"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    readonly_fields = ["original_name", "kind", "size", "sha256", "content_type", "uploaded_at"]
    fields = readonly_fields


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "period_start", "status", "review_state", "submitted_at"]
    list_filter = ["status", "review_state"]
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "size", "uploaded_at"]
    readonly_fields = ["sha256", "size", "content_type"]


@admin.register(Revision)
class RevisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["roadmap", "number", "reason", "created_at"]
    readonly_fields = ["roadmap", "number", "snapshot", "reason", "created_by", "created_at"]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "by", "object_type", "object_id", "action"]
    list_filter = ["object_type", "action"]
    readonly_fields = [
        "region",
        "municipality",
        "school",
        "roadmap",
        "object_type",
        "object_id",
        "action",
        "before",
        "after",
        "by",
        "at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
