"""Admin screens for the tree. Staff who are not superusers see only their scope."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin, ImportExportModelAdmin

from infra.output.admin_formats import SafeCSV, SafeXLSX
from infra.problems import ImportFailed
from schools.history import ChangeRecord
from schools.models import ApiToken, Body, Membership, Municipality, Region, School
from schools.services import schools_import
from schools.tokens import api_token_issue, api_token_revoke


class ScopedAdminMixin:
    """Every admin queryset goes through the scoping rule too, and exports (where the
    admin has them) keep formulas out of cells."""

    export_formats = [SafeCSV, SafeXLSX]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionResource(resources.ModelResource):
    class Meta:
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    resource_classes = [RegionResource]
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "region"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "code"]


class SchoolResource(resources.ModelResource):
    class Meta:
        model = School
        fields = [
            "region__code",
            "municipality__code",
            "municipality__name",
            "code",
            "fis_login",
            "full_name",
            "short_name",
            "address",
            "locality",
            "kind",
            "is_active",
        ]


class SchoolImportForm(forms.Form):
    file = forms.FileField(label=_("Файл XLSX или CSV"))
    dry_run = forms.BooleanField(label=_("Только проверить, ничего не записывая"), required=False)


@admin.register(School)
class SchoolAdmin(ScopedAdminMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [SchoolResource]
    list_display = [
        "short_name",
        "code",
        "fis_login",
        "municipality",
        "kind",
        "locality",
        "is_active",
    ]
    list_filter = ["region", "kind", "locality", "is_active"]
    search_fields = ["short_name", "full_name", "code", "fis_login"]
    list_select_related = ["municipality"]
    change_list_template = "admin/schools/school/change_list.html"

    def get_urls(self):
        return [
            path(
                "import-list/",
                self.admin_site.admin_view(self.import_list_view),
                name="schools_school_import_list",
            ),
            *super().get_urls(),
        ]

    def import_list_view(self, request):
        """The region's list of municipalities and schools, through the same service as the command."""
        if not request.user.has_perm("schools.import_schools") and not request.user.is_superuser:
            messages.error(request, _("Импорт списка школ доступен региональному аналитику."))
            return redirect("admin:schools_school_changelist")
        form = SchoolImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = schools_import(
                    source=upload, filename=upload.name, dry_run=form.cleaned_data["dry_run"]
                )
            except ImportFailed as failed:
                problems = failed.problems
                messages.error(
                    request, _("Импорт отклонён, ничего не записано. Проблем: %d.") % len(problems)
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(verb)s: школ создано %(c)d, обновлено %(u)d, без изменений %(s)d; "
                        "муниципалитетов создано %(m)d."
                    )
                    % {
                        "verb": _("Проверено") if result.dry_run else _("Импортировано"),
                        "c": result.schools_created,
                        "u": result.schools_updated,
                        "s": result.schools_unchanged,
                        "m": result.municipalities_created,
                    },
                )
                for warning in result.warnings:
                    messages.warning(request, str(warning))
                if not result.dry_run:
                    return redirect("admin:schools_school_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "problems": problems,
            "title": _("Импорт списка школ"),
            "opts": self.model._meta,
        }
        return render(request, "admin/schools/school/import_list.html", context)


@admin.register(Body)
class BodyAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    list_display = ["name", "short_name", "kind", "region", "municipality"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name", "aliases"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "region", "municipality", "school", "body", "position"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "user__last_name", "position"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["school", "body"]


class ApiTokenAdminForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("Срок действия, дней"), min_value=1, max_value=3 * 365, initial=365
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "read_only"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators issue tokens for users; the key is shown once in a message."""

    list_display = [
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["read_only"]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    autocomplete_fields = ["user"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAdminForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "user",
            "name",
            "prefix",
            "read_only",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "days", "read_only"]
        return self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = api_token_issue(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            read_only=form.cleaned_data["read_only"],
        )
        obj.pk = token.pk
        messages.warning(request, _("Ключ токена (показан один раз): %s") % key)

    @admin.action(description=_("Отозвать выбранные токены"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)


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
