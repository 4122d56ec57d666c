"""The version of the code that runs, for the cache's keys.

Pages keep parts of themselves in the shared cache (form HTML, dashboard rows,
analytic tables) under keys made of what they show. What they show is also made by
the code: a release that renders a widget differently or keeps another structure
under the same key would read what the previous release wrote. The cache's key
prefix is therefore the code's own digest: the release named in the environment
(`RELEASE`, e.g. the image's tag) or, without it, a digest of the product's source,
templates and static files, read once when the settings load (~10 ms). Sessions
outlive a release (config/sessions.py reads PostgreSQL on a miss); the rest is
recomputed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SOURCE_DIRS = (
    "config",
    "infra",
    "schools",
    "roadmaps",
    "assessments",
    "reports",
    "templates",
    "static",
    "locale",
)
SKIPPED = {"__pycache__", "migrations", "tests"}


def source_digest(root: Path) -> str:
    """A digest of every file of the product's code under `root`, in a fixed order."""
    paths = []
    for name in SOURCE_DIRS:
        for folder, dirs, files in os.walk(root / name):
            dirs[:] = [d for d in dirs if d not in SKIPPED and not d.startswith(".")]
            paths += [Path(folder, f) for f in files if not f.endswith((".pyc", ".pyo"))]
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version(root: Path) -> str:
    """The release's name from the environment, or the digest of the code."""
    release = os.environ.get("RELEASE", "").strip()
    return release or source_digest(root)[:16]
