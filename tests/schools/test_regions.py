"""The directory of regions ships with the product: the subjects of the Russian
Federation by their official two-digit codes (a data migration)."""

import pytest

from schools.models import Region

# A sample checked against the codes of the subjects as the tax service lists them
# (and as ФИС ОКО logins carry them): one of each kind, the two cities of federal
# significance, the autonomous okrugs and the subjects admitted in 2014 and 2022.
KNOWN = [
    ("01", "Адыгея"),
    ("02", "Башкортостан"),
    ("04", "Республика Алтай"),
    ("05", "Дагестан"),
    ("14", "Саха"),
    ("20", "Чеченская"),
    ("22", "Алтайский край"),
    ("39", "Калининградская"),
    ("42", "Кемеровская"),
    ("50", "Московская область"),
    ("53", "Новгородская"),
    ("59", "Пермский"),
    ("66", "Свердловская"),
    ("75", "Забайкальский"),
    ("77", "Москва"),
    ("78", "Санкт-Петербург"),
    ("79", "Еврейская"),
    ("83", "Ненецкий"),
    ("86", "Ханты-Мансийский"),
    ("87", "Чукотский"),
    ("89", "Ямало-Ненецкий"),
    ("90", "Запорожская"),
    ("91", "Крым"),
    ("92", "Севастополь"),
    ("93", "Донецкая"),
    ("94", "Луганская"),
    ("95", "Херсонская"),
]


def test_the_directory_holds_the_89_subjects_of_the_federation(db):
    codes = set(Region.objects.values_list("code", flat=True))
    assert len(codes) == 89
    # Codes of autonomous okrugs merged into other subjects (2005–2008) are not in use.
    assert not codes & {"80", "81", "82", "84", "85", "88"}
    assert codes >= {f"{n:02d}" for n in range(1, 80)}


@pytest.mark.parametrize(("code", "name"), KNOWN)
def test_a_subject_carries_its_official_code(db, code, name):
    assert name in Region.objects.get(code=code).name
