"""The smallest world the production smoke test needs, written through the
product's own services into the smoke test's database (run by
`manage.py shell -c "from tests.production.seed import seed; seed()"`).

Region «Край проверки» (code 92) is generated with results of 2025 for a check
run; region «Альфа-край» (77) holds the school whose deputy uploads the ВПР
form; the official of the generated region's municipality has an approved
roadmap to order a document from. Every user's password is tests.factories.PASSWORD.
"""

from assessments.results.models import Instrument, Procedure, Subject
from tests import factories as f
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store

USERS = {
    "analyst": "региональный аналитик",
    "official": "специалист органа управления образованием",
    "methodist": "методист",
    "deputy": "заместитель директора",
    "viewer": "наблюдатель",
}


def seed():
    spec = RegionSpec(n_schools=12, n_municipalities=1, years=(2025,), target_year_index=0)
    region = generated_region_store(generate_region(spec, seed=3), code="92", name="Край проверки")
    municipality = region.municipalities.get()
    f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=region)
    official = f.user("official", role=f.Role.MUNICIPAL_OFFICIAL, node=municipality)
    f.user("methodist", role=f.Role.METHODIST, node=municipality)
    f.user("viewer", role=f.Role.VIEWER, node=municipality)
    f.approved_roadmap(
        municipality=municipality,
        by=official,
        measures=[("1.1", "Анализ результатов ВПР по каждой школе", "до 1 октября 2025 г.")],
    )

    alpha = f.region(code="77", name="Альфа-край")
    school = f.school(
        municipality=f.municipality(region=alpha, name="Альфаград", code="A"),
        name="Альфа-школа №1",
        code="770001",
        fis_login="edu770001",
    )
    f.user("deputy", role=f.Role.SCHOOL_DEPUTY, node=school)
    Procedure.objects.create(
        region=alpha, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )
    print("smoke seed: ok")
