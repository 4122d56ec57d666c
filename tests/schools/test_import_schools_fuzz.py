"""Hostile and random school lists: a clear refusal or a clean import, never a crash,
and nothing written on refusal."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.problems import ImportFailed
from schools.models import Municipality, Region, School
from schools.services import schools_import

HEADER = [
    "Код региона",
    "Муниципалитет",
    "Код ОО",
    "Логин ФИС ОКО",
    "Наименование ОО",
    "Местность",
    "Тип ОО",
]
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["39", "edu390001", "EDU39xxxx", '=HYPERLINK("x")', "село", "город", "гимназия", "", " "]
    ),
    st.integers(min_value=-10, max_value=10**12).map(str),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8),
    encoding=st.sampled_from(["utf-8", "cp1251"]),
)
def test_random_rows_are_imported_whole_or_refused_whole(db, rows, encoding):
    # Examples share the test's transaction, so the region may already be there.
    Region.objects.get_or_create(code="39", defaults={"name": "Калининградская область"})
    before = (School.objects.count(), Municipality.objects.count())
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([HEADER, *rows])
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buffer.getvalue().encode("utf-8")
    upload = io.BytesIO(data)
    upload.name = "random.csv"
    try:
        result = schools_import(source=upload, filename="random.csv")
    except ImportFailed as failed:
        assert failed.problems and all(p.message for p in failed.problems)
        assert (School.objects.count(), Municipality.objects.count()) == before
        return
    assert School.objects.count() == before[0] + result.schools_created


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=2000))
def test_random_bytes_never_crash_the_reader(db, content):
    upload = io.BytesIO(content)
    upload.name = "junk.xlsx"
    try:
        schools_import(source=upload, filename="junk.xlsx", dry_run=True)
    except ImportFailed as failed:
        assert failed.problems[0].file == "junk.xlsx"
