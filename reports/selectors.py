from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reports.models import Document


def document_list(*, user, kind: str = "", status: str = "", fmt: str = ""):
    qs = Document.objects.visible_to(user).select_related(
        "region", "municipality", "school", "requested_by"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if fmt:
        qs = qs.filter(format=fmt)
    return qs


def document_get(*, user, pk):
    return Document.objects.select_related("region", "municipality", "school").get_visible_or_404(
        user, pk=pk
    )


def _moment(value) -> str:
    """An ISO date or timestamp kept in built_from, as 04.12.2026 (12:12)."""
    if not value:
        return ""
    try:
        if len(str(value)) == 10:
            return formats.date_format(date.fromisoformat(str(value)), "d.m.Y")
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "d.m.Y H:i")


def document_inputs(*, user, document: Document) -> str:
    """What a document was built from, in words: «Дорожная карта: …; редакция 3;
    данные на 04.12.2026». built_from is the fingerprint the build keeps; this
    names what its ids point at, as far as the user sees them."""
    from assessments.results.models import Procedure
    from roadmaps.models import Roadmap

    built = document.built_from or {}
    parts = []
    if "roadmap" in built:
        roadmap = Roadmap.objects.visible_to(user).filter(pk=built["roadmap"]).first()
        parts.append(
            _("Дорожная карта: %s") % (roadmap.title if roadmap else _("недоступна или удалена"))
        )
        if built.get("version"):
            parts.append(_("версия %s") % built["version"])
        if built.get("status") in Roadmap.Status.values:
            parts.append(_("статус «%s»") % Roadmap.Status(built["status"]).label)
        if "measures" in built:
            parts.append(_("мероприятий: %s") % built["measures"])
    if "procedure" in built:
        procedure = Procedure.objects.visible_to(user).filter(pk=built["procedure"]).first()
        parts.append(_("Процедура: %s") % (procedure if procedure else _("недоступна или удалена")))
    if "level" in built or "scope" in built:
        node = document.school or document.municipality or document.region
        parts.append(_("по: %s") % node)
    if "year" in built:
        parts.append(_("проверка объективности %s года") % built["year"])
    if built.get("history_runs"):
        years = sorted(str(y) for y in built["history_runs"] if str(y) != str(built.get("year")))
        if years:
            parts.append(_("для сравнения: %s") % ", ".join(years))
    counts = (
        ("results", _("результатов участников: %s")),
        ("reports", _("отчётов: %s")),
        ("answers", _("ответов на маркеры: %s")),
    )
    parts.extend(label % built[key] for key, label in counts if key in built)
    moments = (
        ("last_import", _("последняя загрузка результатов %s")),
        ("last_report", _("последний отчёт отправлен %s")),
        ("last_review", _("последняя проверка отчёта %s")),
        ("run_finished", _("проверка завершена %s")),
        ("answers_changed", _("ответы изменены %s")),
    )
    parts.extend(label % _moment(built[key]) for key, label in moments if _moment(built.get(key)))
    as_of = _moment(built.get("as_of")) or formats.date_format(
        timezone.localtime(document.created_at), "d.m.Y"
    )
    parts.append(_("данные на %s") % as_of)
    return "; ".join(parts)
