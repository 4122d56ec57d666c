"""The cache's keys carry the version of the code: what one release kept (form HTML,
dashboard rows) is never read by another that renders or stores it differently."""

from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from config.release import code_version, source_digest


def a_tree(root: Path) -> Path:
    (root / "templates" / "roadmaps").mkdir(parents=True)
    (root / "templates" / "roadmaps" / "row.html").write_text("<td>{{ measure }}</td>")
    (root / "roadmaps").mkdir()
    (root / "roadmaps" / "views.py").write_text("def page(request): ...\n")
    return root


def test_a_changed_template_or_module_makes_another_version(tmp_path):
    root = a_tree(tmp_path)
    first = source_digest(root)
    assert source_digest(root) == first
    (root / "templates" / "roadmaps" / "row.html").write_text("<td>{{ measure.text }}</td>")
    second = source_digest(root)
    assert second != first
    (root / "roadmaps" / "views.py").write_text("def page(request): return None\n")
    assert source_digest(root) not in (first, second)


def test_compiled_files_and_tests_do_not_change_the_version(tmp_path):
    root = a_tree(tmp_path)
    first = source_digest(root)
    (root / "roadmaps" / "__pycache__").mkdir()
    (root / "roadmaps" / "__pycache__" / "views.cpython-311.pyc").write_bytes(b"\x00")
    (root / "roadmaps" / "tests").mkdir()
    (root / "roadmaps" / "tests" / "test_views.py").write_text("")
    assert source_digest(root) == first


def test_a_release_named_in_the_environment_is_the_version(tmp_path, monkeypatch):
    root = a_tree(tmp_path)
    monkeypatch.setenv("RELEASE", "2026.12.05-1")
    assert code_version(root) == "2026.12.05-1"
    monkeypatch.delenv("RELEASE")
    assert code_version(root) == source_digest(root)[:16]


def test_the_cache_keys_start_with_the_running_codes_version():
    version = code_version(Path(settings.BASE_DIR))
    assert settings.CACHES["default"]["KEY_PREFIX"] == version
    assert cache.make_key("dashboard:queue").startswith(version + ":")
