"""No second way to tenant data: views, API, selectors, report builders and
dashboards reach tenant rows only through `visible_to` or a named exception of
schools/scoping.py, and nobody but schools/scoping.py asks `reach_of`.

The check reads the source (an AST walk), so it also sees code no test runs.
The tenant models are those of the app registry with a ScopedManager.
"""

import ast
import os
from pathlib import Path

from django.apps import apps

from schools.scoping import ScopedQuerySet, is_tenant_model

ROOT = Path(__file__).resolve().parent.parent

# The ways into tenant rows: the rule itself and its named exceptions, each
# documented in schools/scoping.py. Nothing else passes.
ALLOWED = frozenset(
    {
        "visible_to",
        "in_reach",
        "get_visible_or_404",
        "aggregate_visible_to",
        "aggregate_of",
        "unowned",
        "of_scoped",
    }
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Files (or packages) by these names are the interfaces and reads the rule covers.
CHECKED_NAMES = frozenset({"views", "api", "selectors", "dashboard"})
SKIPPED_DIRS = frozenset({".venv", "tests", "bench", "migrations", "node_modules", "static"})


def tenant_model_names() -> frozenset[str]:
    return frozenset(m.__name__ for m in apps.get_models() if is_tenant_model(m))


def is_checked(relative: Path) -> bool:
    """Whether a module (path relative to the project) falls under the rule: a
    `views*.py`, `*_api.py`, `selectors*.py`, `dashboard*.py`, a module inside a
    package of such a name, or a report builder."""
    parts = relative.parts
    if set(parts[:-1]) & SKIPPED_DIRS or relative.suffix != ".py":
        return False
    if "builders" in parts[:-1]:
        return True
    names = [*parts[:-1], relative.stem]
    return any(set(name.split("_")) & CHECKED_NAMES for name in names)


def project_files() -> list[Path]:
    """The project's Python modules, outside tests, benchmarks and migrations."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return sorted(found)


def checked_files() -> list[Path]:
    return [path for path in project_files() if is_checked(path.relative_to(ROOT))]


def violations(source: str, filename: str, tenant_models: frozenset[str]) -> list[str]:
    """Every `reach_of(...)` call and every `<TenantModel>.objects...` that does not go
    through an allowed method somewhere in its chain, as "file:line: what"."""
    tree = ast.parse(source, filename)
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    # `from app.models import Result as R`: R is Result.
    alias = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for name in node.names:
                if name.name in tenant_models:
                    alias[name.asname or name.name] = name.name

    def chain_allowed(manager: ast.Attribute) -> bool:
        current = manager
        while True:
            parent = parents.get(current)
            if isinstance(parent, ast.Call) and parent.func is current:
                current = parent
            elif isinstance(parent, ast.Attribute):
                if parent.attr in ALLOWED:
                    return True
                current = parent
            else:
                return False

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "reach_of":
                found.append((node.lineno, f"{filename}:{node.lineno}: reach_of(...)"))
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
            and node.value.id in alias | {m: m for m in tenant_models}
            and not chain_allowed(node)
        ):
            model = alias.get(node.value.id, node.value.id)
            parent = parents.get(node)
            then = parent.attr if isinstance(parent, ast.Attribute) else "(bare)"
            found.append((node.lineno, f"{filename}:{node.lineno}: {model}.{node.attr}.{then}"))
    return [text for _line, text in sorted(found)]


def test_every_allowed_name_is_a_method_of_the_scoped_queryset():
    assert {name for name in ALLOWED if not hasattr(ScopedQuerySet, name)} == set()


def test_the_interfaces_and_reads_are_found():
    files = {str(path.relative_to(ROOT)) for path in checked_files()}
    assert any("builders" in f for f in files)
    assert any("dashboard" in f for f in files)
    assert "assessments/analytics/selectors.py" in files
    assert "assessments/objectivity/views.py" in files
    assert "assessments/results/api/views.py" in files
    assert not any(f.startswith(("tests/", ".venv/")) for f in files)


def test_a_package_of_views_is_checked_too():
    assert is_checked(Path("roadmaps/views/measure.py"))
    assert is_checked(Path("assessments/results/selectors/__init__.py"))
    assert is_checked(Path("reports/builders/base.py"))
    assert is_checked(Path("reports/dashboard.py"))
    assert not is_checked(Path("roadmaps/services/measure.py"))
    assert not is_checked(Path("schools/scoping.py"))


def test_no_view_api_selector_builder_or_dashboard_scopes_by_hand():
    tenant_models = tenant_model_names()
    assert {"Result", "Roadmap", "School", "Region"} <= tenant_models
    found = []
    for path in checked_files():
        relative = str(path.relative_to(ROOT))
        found += violations(path.read_text(encoding="utf-8"), relative, tenant_models)
    assert found == [], (
        "Reach tenant rows through Model.objects.visible_to(user) or a named exception "
        "of schools/scoping.py:\n" + "\n".join(found)
    )


def test_nobody_but_schools_scoping_asks_reach_of():
    found = []
    for path in project_files():
        relative = path.relative_to(ROOT)
        if str(relative) == "schools/scoping.py":
            continue
        found += [
            v
            for v in violations(path.read_text(encoding="utf-8"), str(relative), frozenset())
            if "reach_of" in v
        ]
    assert found == [], "Use a named function of schools/scoping.py:\n" + "\n".join(found)


PLANTED = """
from assessments.models import Result as R
from schools.models import Region
from schools.scoping import reach_of


def page(user, pk):
    reach = reach_of(user)
    region = Region.objects.get(pk=pk)
    rows = R.objects.filter(region=region)
    everything = Region.objects
    fine = Region.objects.select_related("x").visible_to(user).get(pk=pk)
    also_fine = R.objects.aggregate_of(region).count()
    return reach, rows, everything, fine, also_fine
"""


def test_the_check_fails_on_a_planted_violation():
    found = violations(PLANTED, "planted.py", frozenset({"Region", "Result"}))
    assert found == [
        "planted.py:8: reach_of(...)",
        "planted.py:9: Region.objects.get",
        "planted.py:10: Result.objects.filter",
        "planted.py:11: Region.objects.(bare)",
    ]


def test_the_check_passes_the_rule_and_its_named_exceptions():
    source = (
        "def f(user, region):\n"
        "    a = School.objects.visible_to(user)\n"
        "    b = School.objects.only('pk').get_visible_or_404(user, pk=1)\n"
        "    c = School.objects.aggregate_visible_to(user, level='region')\n"
        "    d = School.objects.of_scoped(pk__in=[1]).in_bulk()\n"
        "    e = Other.objects.all()\n"
        "    return a, b, c, d, e\n"
    )
    assert violations(source, "ok.py", frozenset({"School"})) == []
