"""The assessments part of the test world: one object of every model inside
municipality A and one inside B (see tests/conftest.py)."""

from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    ResultPrivacy,
    Scale,
    SchoolAggregate,
    Subject,
    Task,
)
from assessments.results.services.partitions import (
    finding_partition_ensure,
    result_partition_ensure,
)


def populate(world):
    procedure = Procedure.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        subject=Subject.MATH,
        grade=4,
        year=2026,
        max_score=3,
    )
    tasks = [
        Task.objects.create(procedure=procedure, position=1, number="1", max_score=1, level="Б"),
        Task.objects.create(procedure=procedure, position=2, number="2", max_score=2, level="П"),
    ]
    scale = Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2026,
        grade=4,
        subject=Subject.MATH,
        max_score=3,
        ranges=[[0, 0, 2], [1, 1, 3], [2, 2, 4], [3, 3, 5]],
    )
    privacy = ResultPrivacy.objects.create(region=world.region, salt="world-salt")
    made = {"procedure": procedure, "tasks": tasks, "scale": scale, "privacy": privacy}
    for label, school, user in (
        ("a", world.school_a1, world.carol),
        ("b", world.school_b1, world.dan),
    ):
        batch = ImportBatch.objects.create(
            region=school.region,
            municipality=school.municipality,
            school=school,
            created_by=user,
            file_name=f"{label}.xlsx",
            sha256=label * 64,
            format=ImportBatch.Format.VPR_FORM,
            procedure=procedure,
            status=ImportBatch.Status.DONE,
        )
        result_partition_ensure(year=procedure.year)
        result = Result.objects.create(
            procedure=procedure,
            year=procedure.year,
            region=school.region,
            municipality=school.municipality,
            school=school,
            import_batch=batch,
            class_name="4а",
            participant_code=f"{label}-40001",
            scores=[1, None],
            primary_score=1,
            mark=3,
        )
        aggregate = SchoolAggregate.objects.create(
            procedure=procedure,
            region=school.region,
            municipality=school.municipality,
            school=school,
            import_batch=batch,
            participants=10,
            mark_counts={"2": 1, "3": 3, "4": 4, "5": 2},
        )
        made[label] = {"batch": batch, "result": result, "aggregate": aggregate}
    world.extra["assessments"] = made
    _objectivity(world, made)


def _objectivity(world, made):
    """A finished check run per municipality, each with its school's finding
    (a marker, answered in A), and the region's settings and official list."""
    from assessments.objectivity.models import (
        CheckFinding,
        CheckRun,
        CheckSchool,
        CheckSettings,
        FlagAnswer,
        OfficialList,
        OfficialListEntry,
    )

    CheckSettings.objects.create(region=world.region, overrides={"min_school": 20})
    official = OfficialList.objects.create(
        region=world.region,
        title="Перечень 2026",
        file_name="perechen.xlsx",
        sha256="f" * 64,
        years=[2026],
        labels=["4 МА"],
    )
    for label, school in (("a", world.school_a1), ("b", world.school_b1)):
        run = CheckRun.objects.create(
            region=school.region,
            municipality=school.municipality,
            year=2026,
            status=CheckRun.Status.DONE,
            method_version="objectivity-1.0",
            counts={"schools": 1, "flagged": 1, "markers": 1, "labels": ["4 МА"]},
        )
        row = CheckSchool.objects.create(
            run=run,
            region=school.region,
            municipality=school.municipality,
            school=school,
            markers=1,
            marker_labels=["4 МА"],
        )
        finding_partition_ensure(table=CheckFinding._meta.db_table, year=run.year)
        finding = CheckFinding.objects.create(
            run=run,
            year=run.year,
            row=row,
            region=school.region,
            municipality=school.municipality,
            school=school,
            procedure=made["procedure"],
            label="4 МА",
            pupils=45,
            marker=True,
            reasons=["bunching", "journal"],
            indicators=[
                {
                    "name": "bunching",
                    "value": 0.25,
                    "reference": 0.0,
                    "threshold": 0.11,
                    "fired": True,
                    "strong": False,
                    "n": 45,
                    "details": {"p_value": 0.004},
                },
                {
                    "name": "journal",
                    "value": 0.41,
                    "reference": 0.2,
                    "threshold": 0.35,
                    "fired": True,
                    "strong": False,
                    "n": 45,
                    "details": {},
                },
            ],
        )
        answer = FlagAnswer.objects.create(
            region=school.region,
            municipality=school.municipality,
            school=school,
            procedure=made["procedure"],
            kind=FlagAnswer.Kind.DISMISSED,
            reason="Перепроверка подтвердила отметки.",
        )
        entry = OfficialListEntry.objects.create(
            official_list=official,
            region=school.region,
            municipality=school.municipality,
            school=school,
            year=2026,
            markers=["4 МА"],
            count=1,
        )
        made[label].update(
            {"run": run, "check_row": row, "finding": finding, "answer": answer, "entry": entry}
        )
    made["official"] = official
