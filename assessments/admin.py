"""Admin screens of the assessments app; every queryset goes through the scoping rule."""

from django import forms
from django.contrib import admin

from assessments.objectivity.models import CheckRun, CheckSettings, OfficialList
from assessments.results.models import (
    ImportBatch,
    Procedure,
    Result,
    ResultPrivacy,
    Scale,
    SchoolAggregate,
    Task,
)
from schools.admin import ScopedAdminMixin


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["position", "variant", "number", "max_score", "level", "part", "planned_result"]


@admin.register(Procedure)
class ProcedureAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "region", "starts_on", "ends_on", "max_score"]
    list_filter = ["instrument", "subject", "grade", "year", "season"]
    inlines = [TaskInline]


@admin.register(Scale)
class ScaleAdmin(admin.ModelAdmin):
    """Federal scales (no region) are reference data; regional ones follow the scope."""

    list_display = ["__str__", "kind", "max_score", "region", "ranges"]
    list_filter = ["instrument", "subject", "grade", "year", "kind"]

    def get_queryset(self, request):
        from django.db.models import Q

        visible = Scale.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(Q(pk__in=visible) | Q(region__isnull=True))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.region_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


@admin.register(ResultPrivacy)
class ResultPrivacyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["region", "store_names"]
    exclude = ["salt"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "file_name",
        "format",
        "procedure",
        "school",
        "status",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "format"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Result)
class ResultAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "participant_code",
        "procedure",
        "school",
        "class_name",
        "primary_score",
        "mark",
    ]
    list_select_related = ["procedure", "school"]
    raw_id_fields = ["procedure", "school", "region", "municipality", "import_batch"]
    # The row's own year (the partition), no join; the import copies it from the procedure.
    list_filter = ["year", "procedure__instrument"]
    readonly_fields = ["year"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(SchoolAggregate)
class SchoolAggregateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["school", "procedure", "participants"]
    raw_id_fields = ["procedure", "school", "region", "municipality", "import_batch"]


class CheckSettingsForm(forms.ModelForm):
    class Meta:
        model = CheckSettings
        fields = ["region", "overrides"]

    def clean_overrides(self):
        from assessments.objectivity.selectors import ParamsError, params_with

        overrides = self.cleaned_data["overrides"] or {}
        try:
            params_with(overrides)
        except ParamsError as error:
            raise forms.ValidationError(str(error)) from None
        return overrides


@admin.register(CheckSettings)
class CheckSettingsAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A region's thresholds, minimum group sizes and marker rule (names of
    assessments.objectivity.checks.CheckParams); a name or value the method does not take is
    refused in Russian."""

    form = CheckSettingsForm
    list_display = ["region", "overrides", "updated_at"]


@admin.register(CheckRun)
class CheckRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "year", "status", "trigger", "method_version", "finished_at"]
    list_filter = ["status", "year", "trigger"]
    readonly_fields = [f.name for f in CheckRun._meta.fields]

    def has_add_permission(self, request):
        return False  # runs are requested on the objectivity page, the API or the command


@admin.register(OfficialList)
class OfficialListAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "region", "file_name", "uploaded_at"]
    readonly_fields = ["sha256", "years", "labels", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request):
        return False  # lists are uploaded on the objectivity page or through the API
