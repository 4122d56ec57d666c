"""Writes of a school's answers to flags: dismissing one with a reason, answering
it with a roadmap measure, withdrawing an answer, and putting flagged schools
into a roadmap.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.objectivity.models import (
    CheckFinding,
    CheckRun,
    FlagAnswer,
)
from assessments.objectivity.services.runs import answer_notify


def _answer_record(answer: FlagAnswer, *, action: str, by) -> None:
    """Who answered which marker how, and who withdrew an answer: kept in the
    history the municipality reads (schools.history.ChangeRecord)."""
    from schools.history import ChangeRecord

    state = {
        "procedure_id": answer.procedure_id,
        "procedure": str(answer.procedure),
        "kind": answer.kind,
        "measure": answer.measure_id,
        "reason": answer.reason,
    }
    ChangeRecord.objects.create(
        region_id=answer.region_id,
        municipality_id=answer.municipality_id,
        school_id=answer.school_id,
        roadmap_id=answer.measure.roadmap_id if answer.measure_id else None,
        object_type="flaganswer",
        object_id=answer.pk,
        action=action,
        before=state if action == "delete" else None,
        after=None if action == "delete" else state,
        by=by if by is not None and by.is_authenticated else None,
    )


def _require_answer(user, finding: CheckFinding) -> None:
    if not user.has_perm("assessments.answer_flag", finding):
        raise PermissionDenied(_("Ваша роль не позволяет отвечать на признаки необъективности."))
    if not finding.marker:
        raise ValidationError(_("По этой работе у школы нет маркера: отвечать не на что."))


def flag_dismiss(*, finding: CheckFinding, reason: str, by) -> FlagAnswer:
    """Dismiss a school's marker in a procedure with a written reason."""
    _require_answer(by, finding)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            _(
                "Опишите, почему признак снимается (не короче 10 символов): профиль школы, итоги перепроверки…"
            )
        )
    with transaction.atomic():
        answer, created = FlagAnswer.objects.update_or_create(
            school_id=finding.school_id,
            procedure_id=finding.procedure_id,
            kind=FlagAnswer.Kind.DISMISSED,
            defaults={
                "region_id": finding.region_id,
                "municipality_id": finding.municipality_id,
                "reason": reason[:5000],
                "answered_by": by,
            },
        )
        _answer_record(answer, action="create" if created else "update", by=by)
        answer_notify(answer=answer, finding=finding, by=by)
    return answer


def flag_answer_with_measure(*, finding: CheckFinding, measure, by) -> FlagAnswer:
    """Answer a marker by a roadmap measure for that school (the measure must be
    one the user sees, of a roadmap covering the school)."""
    _require_answer(by, finding)
    roadmap = measure.roadmap
    covers = (
        roadmap.school_id == finding.school_id
        or (roadmap.school_id is None and roadmap.municipality_id == finding.municipality_id)
        or (
            roadmap.municipality_id is None
            and roadmap.school_id is None
            and roadmap.region_id == finding.region_id
        )
    )
    if not covers:
        raise ValidationError(
            _("Мероприятие относится к дорожной карте, которая не охватывает эту школу.")
        )
    with transaction.atomic():
        answer, created = FlagAnswer.objects.get_or_create(
            school_id=finding.school_id,
            procedure_id=finding.procedure_id,
            measure=measure,
            defaults={
                "region_id": finding.region_id,
                "municipality_id": finding.municipality_id,
                "kind": FlagAnswer.Kind.MEASURE,
                "answered_by": by,
            },
        )
        if created:
            _answer_record(answer, action="create", by=by)
            answer_notify(answer=answer, finding=finding, by=by)
    return answer


def flag_answer_delete(*, answer: FlagAnswer, by) -> None:
    if not by.has_perm("assessments.answer_flag", answer):
        raise PermissionDenied(_("Ваша роль не позволяет отвечать на признаки необъективности."))
    with transaction.atomic():
        _answer_record(answer, action="delete", by=by)
        answer.delete()


# --- flagged schools into the municipal roadmap ---------------------------------------------

# The measures the seed roadmaps attach to schools with signs of biased results.
FLAG_MEASURES = (
    {
        "text": "Обеспечение контроля проведения оценочных процедур в {schools_word} "
        "с признаками необъективных результатов с участием независимых общественных наблюдателей",
        "deadline_text": "в период проведения ВПР",
        "result": "Объективность проведения процедуры подтверждена протоколами наблюдателей",
        "document_text": "Протоколы общественных наблюдателей",
    },
    {
        "text": "Перепроверка работ участников ВПР {schools_word}, показавших необъективные "
        "результаты, муниципальной предметной комиссией",
        "deadline_text": "в течение 2 недель после проведения ВПР",
        "result": "Результаты перепроверки; выявленные расхождения в оценивании",
        "document_text": "Протокол перепроверки",
    },
    {
        "text": "Адресная методическая помощь {schools_word} с признаками необъективных "
        "результатов: анализ результатов, разбор критериев оценивания с учителями",
        "deadline_text": "в течение учебного года",
        "result": "Проведены консультации и семинары для учителей",
        "document_text": "План методической помощи, листы регистрации",
    },
    {
        "text": "Персональный контроль руководителей {schools_word} за деятельностью учителей, "
        "результаты обучающихся которых имеют признаки необъективности",
        "deadline_text": "в течение учебного года",
        "result": "Справки по итогам контроля",
        "document_text": "Справка по итогам контроля",
    },
)
FLAG_ORDER_PREFIX = "Обеспечить контроль исполнения мероприятий раздела «Контроль"
FLAG_ORDER_ITEM = (
    "Обеспечить контроль исполнения мероприятий раздела «{title}» дорожной карты "
    "общеобразовательными организациями с признаками необъективных результатов ({schools})."
)


def _all_flagged(measures) -> list:
    """The schools the flag measures are given to (every run fed so far)."""
    schools = {}
    for measure in measures:
        for school in measure.responsible_schools.all():
            schools[school.pk] = school
    return sorted(schools.values(), key=lambda s: s.short_name)


FLAG_SECTION_TITLE = (
    "Контроль общеобразовательных организаций с признаками необъективных результатов ({year})"
)


def _next_section_number(roadmap) -> str:
    """The number after the roadmap's top-level sections' («5.» after «4.»), or
    after the first level of its measure numbers when its sections have none."""
    top = [
        *roadmap.sections.filter(parent__isnull=True).values_list("number", flat=True),
        *roadmap.measures.values_list("number", flat=True),
    ]
    numbers = [int(m.group(1)) for n in top if (m := re.match(r"\s*(\d{1,3})\b", n or ""))]
    return f"{max(numbers, default=0) + 1}."


def flags_into_roadmap(*, run: CheckRun, roadmap, schools, by) -> dict:
    """Put the flagged `schools` of `run` into the municipal `roadmap`: a section
    for the run's year with the seed measures (observers, re-marking, methodical
    help, personal control), each given to exactly those schools, and each of
    their markers answered by those measures. Running it again adds only the
    schools not yet there. Returns counts."""
    from roadmaps.models import Measure, Roadmap, Section
    from roadmaps.services.assignment import assignments_create
    from roadmaps.services.measure import measure_create, measure_update
    from roadmaps.services.roadmap import roadmap_update
    from roadmaps.services.section import section_create

    if roadmap.municipality_id is None or roadmap.school_id is not None:
        raise ValidationError(_("Выберите дорожную карту муниципалитета."))
    if run.status != CheckRun.Status.DONE:
        raise ValidationError(_("Проверка ещё не завершена."))
    if not by.has_perm("roadmaps.edit_roadmap", roadmap) or not by.has_perm(
        "assessments.answer_flag", roadmap
    ):
        raise PermissionDenied(_("Недостаточно прав для изменения этой дорожной карты."))
    if roadmap.status == Roadmap.Status.CLOSED:
        raise ValidationError(_("Дорожная карта закрыта: изменять её нельзя."))
    schools = [s for s in schools if s.municipality_id == roadmap.municipality_id]
    findings = list(
        CheckFinding.objects.filter(run=run, marker=True, school__in=schools).select_related(
            "school"
        )
    )
    flagged = sorted({f.school for f in findings}, key=lambda s: s.short_name)
    if not flagged:
        raise ValidationError(_("Среди выбранных школ нет школ с маркерами в этой проверке."))
    title = FLAG_SECTION_TITLE.format(year=run.year)
    with transaction.atomic():
        section = Section.objects.filter(roadmap=roadmap, title=title).first()
        if section is None:
            section = section_create(
                roadmap=roadmap, title=title, by=by, number=_next_section_number(roadmap)
            )
        prefix = section.number.rstrip(".")
        existing = {
            m.extra.get("flag_measure"): m
            for m in Measure.objects.filter(roadmap=roadmap, section=section)
            if isinstance(m.extra, dict) and "flag_measure" in m.extra
        }
        names = "; ".join(s.short_name for s in flagged)
        measures, added = [], 0
        for index, spec in enumerate(FLAG_MEASURES):
            measure = existing.get(index)
            if measure is None:
                measure = measure_create(
                    roadmap=roadmap,
                    section=section,
                    by=by,
                    # Numbered like the measures around them, so the order can cite them.
                    number=f"{prefix}.{index + 1}." if prefix else "",
                    text=spec["text"].format(schools_word="ОО"),
                    deadline_text=spec["deadline_text"],
                    result=spec["result"],
                    document_text=spec["document_text"],
                    responsible_text=names,
                    for_all_schools=False,
                    responsible_schools=flagged,
                    requires_evidence=True,
                    extra={"flag_measure": index, "run": run.pk},
                )
                added += len(flagged)
            else:
                current = list(measure.responsible_schools.all())
                new = [s for s in flagged if s not in current]
                if new:
                    everyone = sorted(current + new, key=lambda s: s.short_name)
                    measure = measure_update(
                        measure=measure,
                        by=by,
                        version=measure.version,
                        responsible_text="; ".join(s.short_name for s in everyone),
                        responsible_schools=everyone,
                        for_all_schools=False,
                    )
                    added += len(new)
            measures.append(measure)
        assigned = 0
        if roadmap.status != Roadmap.Status.DRAFT:
            assigned = assignments_create(roadmap=roadmap, by=by)
        else:
            # The order is not signed yet: it names the schools, as the seed orders do.
            item = FLAG_ORDER_ITEM.format(
                title=title, schools=", ".join(s.short_name for s in _all_flagged(measures))
            )
            items = [i for i in (roadmap.order_items or []) if not i.startswith(FLAG_ORDER_PREFIX)]
            roadmap_update(roadmap=roadmap, by=by, order_items=[*items, item])
        answered = 0
        for finding in findings:
            for measure in measures:
                answer, created = FlagAnswer.objects.get_or_create(
                    school_id=finding.school_id,
                    procedure_id=finding.procedure_id,
                    measure=measure,
                    defaults={
                        "region_id": finding.region_id,
                        "municipality_id": finding.municipality_id,
                        "kind": FlagAnswer.Kind.MEASURE,
                        "answered_by": by,
                    },
                )
                if created:
                    _answer_record(answer, action="create", by=by)
                answered += created
    return {
        "schools": len(flagged),
        "measures": len(measures),
        "added": added,
        "assignments": assigned,
        "answers": answered,
        "section": section.pk,
    }
