"""The federal scales quoted in the domain notes (DOMAIN.md), as data."""

from django.db import migrations

GEOMETRY = ["15", "16", "17", "18", "19", "23", "24", "25"]

SCALES = [
    # instrument, year, grade, subject, max, ranges [from, to, mark], conditions
    ("vpr", 2026, 4, "russian", 24, [[0, 9, 2], [10, 15, 3], [16, 20, 4], [21, 24, 5]], []),
    ("vpr", 2026, 8, "math", 25, [[0, 7, 2], [8, 14, 3], [15, 20, 4], [21, 25, 5]], []),
    ("vpr", 2026, 8, "russian", 51, [[0, 25, 2], [26, 31, 3], [32, 44, 4], [45, 51, 5]], []),
    (
        "oge",
        2026,
        9,
        "math",
        31,
        [[0, 7, 2], [8, 14, 3], [15, 21, 4], [22, 31, 5]],
        [
            {
                "tasks": GEOMETRY,
                "min": 2,
                "mark": 2,
                "text": "не менее 2 баллов за задания по геометрии",
            }
        ],
    ),
]


def seed(apps, schema_editor):
    Scale = apps.get_model("assessments", "Scale")
    for instrument, year, grade, subject, max_score, ranges, conditions in SCALES:
        Scale.objects.update_or_create(
            region=None,
            instrument=instrument,
            year=year,
            grade=grade,
            subject=subject,
            defaults={
                "kind": "mark",
                "max_score": max_score,
                "ranges": ranges,
                "conditions": conditions,
                "source": "DOMAIN.md: рекомендации ФИОКО / ФИПИ",
            },
        )


def unseed(apps, schema_editor):
    Scale = apps.get_model("assessments", "Scale")
    for instrument, year, grade, subject, *_rest in SCALES:
        Scale.objects.filter(
            region=None, instrument=instrument, year=year, grade=grade, subject=subject
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
