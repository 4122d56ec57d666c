"""No module too big to hold in one's head (issue #18): every tracked source file
outside the migrations and tests/ has at most 700 lines, counted as `wc -l` does."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 700
SOURCE_SUFFIXES = (".py", ".js", ".css", ".html")


def source_files() -> list[str]:
    """Tracked .py/.js/.css/.html files, less the migrations and tests/."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = listed.decode().split("\0")
    return [
        path
        for path in paths
        if path.endswith(SOURCE_SUFFIXES)
        and not path.startswith("tests/")
        and "migrations" not in Path(path).parts
        and (ROOT / path).is_file()  # deleted in the work tree, not yet committed
    ]


def lines_of(path: str) -> int:
    return (ROOT / path).read_bytes().count(b"\n")


def test_the_listing_sees_the_project():
    files = source_files()
    assert len(files) > 100
    assert "roadmaps/models.py" in files
    assert not [path for path in files if path.startswith("tests/") or "/migrations/" in path]


def test_no_source_file_has_more_than_700_lines():
    offenders = {path: n for path in source_files() if (n := lines_of(path)) > MAX_LINES}
    assert offenders == {}, "over {} lines (split by purpose): {}".format(
        MAX_LINES, ", ".join(f"{path} ({n})" for path, n in sorted(offenders.items()))
    )
