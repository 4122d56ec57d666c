"""History lines (ChangeRecord) as a person reads them: field names from the
models' verbose names, values through their choices' labels, dates and yes/no
in Russian.

    change_rows(changes) -> None   # sets .object_label, .action_label, .fields
"""

from __future__ import annotations

from datetime import date, datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

OBJECT_MODELS = {
    "roadmap": "roadmaps.Roadmap",
    "section": "roadmaps.Section",
    "measure": "roadmaps.Measure",
    "indicator": "roadmaps.Indicator",
    "revision": "roadmaps.Revision",
    "progressreport": "roadmaps.ProgressReport",
    "flaganswer": "assessments.FlagAnswer",
}
OBJECT_LABELS = {
    "roadmap": _lazy("дорожная карта"),
    "section": _lazy("раздел"),
    "measure": _lazy("мероприятие"),
    "indicator": _lazy("показатель"),
    "revision": _lazy("редакция"),
    "progressreport": _lazy("отчёт"),
    "flaganswer": _lazy("ответ на маркер"),
    "results": _lazy("результаты"),
}
ACTION_LABELS = {
    "create": _lazy("создание"),
    "update": _lazy("изменение"),
    "delete": _lazy("удаление"),
    "move": _lazy("перемещение"),
    "approve": _lazy("утверждение"),
    "in_force": _lazy("введение в действие"),
    "close": _lazy("закрытие"),
    "cascade": _lazy("требование к школам"),
    "start_from": _lazy("создание по муниципальной карте"),
    "assign": _lazy("поручения"),
    "superseded": _lazy("заменена новой дорожной картой"),
    "withdraw": _lazy("поручения сняты"),
    "import": _lazy("импорт"),
    "replace": _lazy("замена"),
    "submit": _lazy("отправка отчёта"),
    "accepted": _lazy("отчёт принят"),
    "returned": _lazy("отчёт возвращён"),
    "admin_create": _lazy("создание в администрировании"),
    "admin_update": _lazy("изменение в администрировании"),
    "admin_delete": _lazy("удаление в администрировании"),
}
# Keys the services write that are not fields of the object's model.
KEY_LABELS = {
    "files": _lazy("файлы"),
    "parent": _lazy("муниципальная дорожная карта"),
    "measures": _lazy("мероприятий"),
    "assignments": _lazy("новых поручений"),
    "sections": _lazy("разделов"),
    "source": _lazy("формат файла"),
    "target": _lazy("целевое значение"),
    "procedure_id": _lazy("процедура"),
    "procedure": _lazy("процедура"),
    "rows": _lazy("строк"),
    "batch": _lazy("загрузка"),
    "batches": _lazy("загрузки"),
    "file": _lazy("файл"),
    "replaced_by": _lazy("заменена картой"),
    "withdrawn": _lazy("сняты поручения"),
}
# Keys shown by another key of the same record (procedure_id beside procedure).
HIDDEN_KEYS = {"procedure_id"}


def _field(model, key: str):
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _label(model, key: str) -> str:
    field = _field(model, key)
    name = str(getattr(field, "verbose_name", "") or "")
    # A field without its own verbose_name gets Django's English default («procedure»).
    if any("а" <= ch <= "я" for ch in name.lower()):
        return name
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    # A key nobody named yet: readable words rather than an identifier.
    return key.replace("_", " ")


def value_text(value, field=None, *, names: dict | None = None) -> str:
    """One stored value as text: choices by label, yes/no, dates as 04.12.2026."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    if field is not None and getattr(field, "flatchoices", None):
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(field, models.ForeignKey) and names is not None:
        name = names.get((field.related_model._meta.label, value))
        if name:
            return name
    if isinstance(value, str):
        parsed = _parse_moment(value)
        return parsed if parsed is not None else value
    if isinstance(value, list):
        return "; ".join(value_text(v, names=names) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(
            f"{_label(None, str(k))}: {value_text(v, names=names)}" for k, v in value.items()
        )
    return str(value)


def _parse_moment(text: str) -> str | None:
    """An ISO date or timestamp (as the history stores them) in Russian format."""
    if len(text) < 10 or text[4:5] != "-" or text[7:8] != "-":
        return None
    try:
        if len(text) == 10:
            return formats.date_format(date.fromisoformat(text), "d.m.Y")
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "d.m.Y H:i")


def _names(changes) -> dict:
    """Names of the objects the records point at by id (sections, measures), one
    query per model."""
    wanted: dict[str, set] = {}
    for change in changes:
        model = _model(change.object_type)
        for state in (change.before or {}, change.after or {}):
            for key, value in state.items():
                field = _field(model, key)
                if isinstance(field, models.ForeignKey) and isinstance(value, int):
                    wanted.setdefault(field.related_model._meta.label, set()).add(value)
    names = {}
    for label, ids in wanted.items():
        related = apps.get_model(label)
        for obj in related._base_manager.filter(pk__in=ids):
            names[(label, obj.pk)] = str(obj)
    return names


def _model(object_type: str):
    label = OBJECT_MODELS.get(object_type)
    return apps.get_model(label) if label else None


def change_rows(changes) -> None:
    """Give each ChangeRecord its Russian labels and its changed fields as
    (name, before, after) text, None where the side has no value."""
    names = _names(changes)
    for change in changes:
        model = _model(change.object_type)
        change.object_label = str(OBJECT_LABELS.get(change.object_type, _("объект")))
        change.action_label = str(ACTION_LABELS.get(change.action, change.action))
        before, after = change.before or {}, change.after or {}
        fields = []
        for key in {**before, **after}:
            if key in HIDDEN_KEYS or before.get(key) == after.get(key):
                continue
            field = _field(model, key)
            fields.append(
                (
                    _label(model, key),
                    value_text(before[key], field, names=names) if key in before else None,
                    value_text(after[key], field, names=names) if key in after else None,
                )
            )
        change.fields = fields
