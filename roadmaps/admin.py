"""Admin screens for roadmaps. Staff who are not superusers see only their scope;
history and evidence are read-only here (they are written by the services)."""

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext as _

from roadmaps.models import (
    Assignment,
    Evidence,
    Indicator,
    Measure,
    ProgressReport,
    Revision,
    Roadmap,
    Section,
)
from roadmaps.services.base import roadmap_touch
from schools.admin import ScopedAdminMixin
from schools.history import ChangeRecord
from schools.scoping import node_of

# Bookkeeping the history does not need to repeat.
UNRECORDED = {"id", "version", "created_at", "updated_at", "updated_by"}


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return sorted(_jsonable(v) for v in items)
    return value


def admin_state(obj) -> dict:
    """Every field an admin form may change, as history stores it (links by id)."""
    state = {
        field.attname: _jsonable(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in UNRECORDED
    }
    if obj.pk:
        for field in obj._meta.many_to_many:
            state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


def _roadmap_of(obj):
    """The roadmap whose history shows a change of `obj` (None once it is deleted)."""
    for path in ("roadmap", "measure.roadmap", "assignment.measure.roadmap"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if isinstance(value, Roadmap):
            return value
    return obj if isinstance(obj, Roadmap) else None


def admin_record(*, obj, action, by, before=None, after=None, roadmap="auto"):
    """A line of history for an admin write; like the services' lines, one that names a
    roadmap marks it changed (the cached figures follow)."""
    node = node_of(obj)
    roadmap = _roadmap_of(obj) if roadmap == "auto" else roadmap
    ChangeRecord.objects.create(
        **node,
        roadmap=roadmap,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        action=action,
        before=before,
        after=after,
        by=by if by is not None and by.is_authenticated else None,
    )
    if roadmap is not None and roadmap.pk is not None:
        roadmap_touch(roadmap_id=roadmap.pk)


class HistoryAdminMixin:
    """Every write the admin makes to these models (its form, inline rows, deletion
    one by one or in bulk) leaves a history line like the services do: who, when,
    before, after. A change also bumps the object's version, so an editor open on
    the old one is told of it."""

    def save_model(self, request, obj, form, change):
        request._history_before = (
            admin_state(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        )
        if change and hasattr(obj, "version"):
            obj.version = (obj.version or 0) + 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            before = getattr(request, "_history_before", None)
            after = admin_state(type(form.instance).objects.get(pk=form.instance.pk))
            if not change or before != after:
                admin_record(
                    obj=form.instance,
                    action="admin_update" if change else "admin_create",
                    by=request.user,
                    before=before,
                    after=after,
                )

    def save_formset(self, request, form, formset, change):
        before = {
            f.instance.pk: admin_state(type(f.instance).objects.get(pk=f.instance.pk))
            for f in formset.initial_forms
            if f.instance.pk and f.has_changed()
        }
        deleted_before = {
            f.instance.pk: (admin_state(f.instance), f.instance)
            for f in formset.initial_forms
            if f.instance.pk and formset._should_delete_form(f)
        }
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            admin_record(obj=obj, action="admin_create", by=request.user, after=admin_state(obj))
        for obj, _fields in formset.changed_objects:
            admin_record(
                obj=obj,
                action="admin_update",
                by=request.user,
                before=before.get(obj.pk),
                after=admin_state(type(obj).objects.get(pk=obj.pk)),
            )
        for pk, (state, obj) in deleted_before.items():
            obj.pk = pk
            admin_record(obj=obj, action="admin_delete", by=request.user, before=state)

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _record_deletion(self, request, obj):
        # The line outlives the object: a deleted roadmap's own lines would go with it.
        roadmap = None if isinstance(obj, Roadmap) else _roadmap_of(obj)
        admin_record(
            obj=obj,
            action="admin_delete",
            by=request.user,
            before=admin_state(obj),
            roadmap=roadmap,
        )


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["number", "title", "parent", "position"]
    extra = 0
    show_change_link = True


@admin.register(Roadmap)
class RoadmapAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "region", "municipality", "school", "status", "order_number"]
    list_filter = ["status", "region"]
    search_fields = ["title", "order_number"]
    inlines = [SectionInline]
    readonly_fields = ["version", "created_at", "updated_at", "approved_at"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Measure)
class MeasureAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
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
class SectionAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "roadmap"]
    list_select_related = ["roadmap__region", "roadmap__municipality", "roadmap__school"]


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["text", "comparator", "target_value", "unit", "actual_value"]


def _inside_owner(roadmap, region, municipality, school) -> bool:
    """Whether the assignment's nodes lie in the subtree of the roadmap's owner."""
    if region is not None and region.pk != roadmap.region_id:
        return False
    if roadmap.municipality_id is not None:
        if municipality is not None and municipality.pk != roadmap.municipality_id:
            return False
        if school is not None and school.municipality_id != roadmap.municipality_id:
            return False
    if roadmap.school_id is not None and school is not None:
        return school.pk == roadmap.school_id
    return True


class AssignmentAdminForm(forms.ModelForm):
    """An assignment made by hand keeps the rule the cascade keeps: its school lies in
    its region and municipality, and inside the roadmap's owner (a municipality's
    roadmap gives measures to that municipality's schools only)."""

    class Meta:
        model = Assignment
        fields = ["measure", "region", "municipality", "school", "body", "assignee_text"]

    def clean(self):
        data = super().clean()
        measure, school = data.get("measure"), data.get("school")
        region, municipality = data.get("region"), data.get("municipality")
        if school is not None:
            if region is not None and school.region_id != region.pk:
                self.add_error("school", _("Школа не относится к выбранному региону."))
            if municipality is not None and school.municipality_id != municipality.pk:
                self.add_error("school", _("Школа не относится к выбранному муниципалитету."))
        if municipality is not None and region is not None and municipality.region_id != region.pk:
            self.add_error("municipality", _("Муниципалитет не относится к выбранному региону."))
        if measure is not None and not _inside_owner(measure.roadmap, region, municipality, school):
            roadmap = measure.roadmap
            self.add_error(
                None,
                _("Исполнитель должен относиться к владельцу дорожной карты: %(owner)s.")
                % {"owner": roadmap.school or roadmap.municipality or roadmap.region},
            )
        return data


@admin.register(Assignment)
class AssignmentAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = AssignmentAdminForm
    list_display = ["measure", "school", "body", "assignee_text"]
    list_filter = ["municipality"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    readonly_fields = ["original_name", "kind", "size", "sha256", "content_type", "uploaded_at"]
    fields = readonly_fields


@admin.register(ProgressReport)
class ProgressReportAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "period_start", "status", "review_state", "submitted_at"]
    list_filter = ["status", "review_state"]
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "size", "uploaded_at"]
    readonly_fields = ["sha256", "size", "content_type"]


@admin.register(Revision)
class RevisionAdmin(HistoryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["roadmap", "number", "reason", "created_at"]
    readonly_fields = ["roadmap", "number", "snapshot", "reason", "created_by", "created_at"]
