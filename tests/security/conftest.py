"""What the tests of issue #16's findings share."""

import pytest

from assessments.results.models import Instrument, Procedure, Scale, Subject
from tests.assessments.test_import_vpr_form import SCALE


@pytest.fixture
def procedure(world):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2025,
        grade=4,
        subject=Subject.MATH,
        max_score=20,
        ranges=SCALE,
    )
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )
