"""Dependencies point one way: the import-linter contracts of pyproject.toml
(`[tool.importlinter]`) are kept.

Each contract is its own test, run by the same command a developer runs
(`lint-imports`), in a child process: the command configures logging, which the
test process must keep as it is. A broken contract fails with import-linter's
report, which names every import that points back up and its line.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LINTER = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = [contract["id"] for contract in LINTER["contracts"]]
# The command beside this interpreter (the virtualenv's), else the one on PATH.
COMMAND = Path(sys.executable).with_name("lint-imports")
COMMAND = str(COMMAND) if COMMAND.exists() else shutil.which("lint-imports")


def test_pyproject_declares_the_contracts():
    assert {"infra-depends-on-no-app", "layers"} <= set(CONTRACTS)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_imports_keep_the_contract(contract):
    done = subprocess.run(
        [
            COMMAND,
            str(PYPROJECT),
            "--contract",
            contract,
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"contract «{contract}» is broken:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*LINTER["root_packages"], cache_dir=None)


@pytest.mark.parametrize("above", ["assessments.analytics", "assessments.objectivity"])
def test_results_imports_no_app_that_reads_its_results(graph, above):
    """Results announces its imports by signals (`assessments.results.signals`);
    analytics and objectivity receive them. Checked on its own, as the layers
    contract holds further breaks."""
    chains = graph.find_shortest_chains(
        importer="assessments.results", imported=above, as_packages=True
    )
    assert not chains, "\n".join(" -> ".join(chain) for chain in sorted(chains))
