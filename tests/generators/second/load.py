"""Bring a written region into the product's database through its own import
commands (`import_schools`, `import_scales`, `import_results`), as an official
would. Needs Django set up and a database (tests, bench scripts)."""

from __future__ import annotations

import io
import json
from pathlib import Path

SUBJECT_CODES = {"Русский язык": "russian", "Математика": "math"}


def run_command(name: str, *args) -> dict:
    """A management command run with `--json`: its payload, `ok` False when it refused."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command(name, *args, "--json", stdout=out)
    except CommandError as refused:
        payload = json.loads(out.getvalue() or "{}")
        payload.setdefault("ok", False)
        payload["error"] = str(refused)
        return payload
    return json.loads(out.getvalue())


def import_region(folder, *, dry_run: bool = False, results: bool = True) -> dict:
    """Import the school list, the scales and every result file of `folder` (as
    written by `write_files`). The region itself must be in the directory; on an
    install whose directory is empty it is added first. Returns every payload."""
    from schools.models import Region

    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    code = manifest["region"]["code"]
    Region.objects.get_or_create(code=code, defaults={"name": manifest["region"]["name"]})
    extra = ["--dry-run"] if dry_run else []
    done: dict = {"schools": None, "scales": None, "results": {}}
    for entry in manifest["files"]:
        path = str(folder / entry["file"])
        if entry["kind"] == "schools":
            done["schools"] = run_command("import_schools", path, *extra)
        elif entry["kind"] == "scales":
            done["scales"] = run_command("import_scales", path, "--region", code, *extra)
        elif results:
            done["results"][entry["file"]] = import_results_file(folder, entry, dry_run=dry_run)
    return done


def import_results_file(folder, entry: dict, *, dry_run: bool = False) -> dict:
    key = entry["procedure"]
    args = [
        str(Path(folder) / entry["file"]),
        "--instrument",
        key["instrument"],
        "--subject",
        key["subject"],
        "--grade",
        str(key["grade"]),
        "--year",
        str(key["year"]),
    ]
    return run_command("import_results", *args, *(["--dry-run"] if dry_run else []))


def apply_task_levels(manifest: dict) -> int:
    """Set the level (Б, П, В) of the imported procedures' tasks from the manifest:
    result files carry task numbers and maxima, the кодификатор carries levels, and
    no import reads a кодификатор yet. Returns the number of tasks updated."""
    from assessments.results.models import Task

    updated = 0
    for entry in manifest["files"]:
        if entry["kind"] != "results":
            continue
        key = entry["procedure"]
        levels = {t["number"]: t["level"] for t in manifest["tasks"][entry["label"]]}
        tasks = Task.objects.filter(
            procedure__region__code=manifest["region"]["code"],
            procedure__instrument="vpr",
            procedure__subject=SUBJECT_CODES[key["subject"]],
            procedure__grade=key["grade"],
            procedure__year=key["year"],
        )
        for task in tasks:
            if task.number in levels and task.level != levels[task.number]:
                task.level = levels[task.number]
                task.save(update_fields=["level"])
                updated += 1
    return updated
