"""What a process imports before it does any work (issue #17, item 3).

Each probe runs in a fresh interpreter, since this test process has long imported
everything. scipy costs about a second and WeasyPrint, pdfplumber and python-docx
a fraction each: the web's URL configuration and an import command must not pay
for them; the code that uses them imports them where it runs.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "weasyprint", "pdfplumber", "pypdfium2", "docx", "python_calamine")

PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
{body}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def loaded_after(body: str) -> set[str]:
    """The top-level packages a fresh process has imported after `body`."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_url_configuration_does_not_import_scipy_or_the_document_libraries():
    loaded = loaded_after("from django.urls import get_resolver; get_resolver().url_patterns")
    assert "config" in loaded and "assessments" in loaded  # the probe did load the URLs
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_django_setup_alone_imports_neither_the_admin_modules_nor_numpy():
    loaded = loaded_after("")
    # import_export and drf_spectacular are installed apps, so their packages load; the
    # admin's modules would bring openpyxl, numpy and Pillow with them.
    assert not loaded & ({"openpyxl", "numpy", "PIL"} | set(HEAVY))


@pytest.mark.parametrize(
    "argv",
    [
        ["import_results", "/nonexistent/results.csv", "--year=2025"],
        ["import_schools", "/nonexistent/schools.csv"],
        ["import_scales", "/nonexistent/scales.csv"],
        ["import_roadmap", "/nonexistent/plan.docx", "--owner", "00"],
    ],
)
def test_an_import_command_starts_without_the_url_configuration_and_heavy_libraries(argv):
    body = (
        "from django.core.management import ManagementUtility\n"
        f"try:\n    ManagementUtility(['manage.py', *{argv!r}]).execute()\n"
        # The file is missing (or the database unmigrated): only what it imported counts.
        "except (SystemExit, Exception):\n    pass\n"
        "assert 'config.urls' not in sys.modules, 'the URL configuration was loaded'\n"
    )
    loaded = loaded_after(body)
    assert not loaded & ({"numpy", "openpyxl", "PIL"} | set(HEAVY))
