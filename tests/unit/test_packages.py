"""Each workspace member imports only what it declares: the contracts install without our
runtime, a service never imports another service, and nothing works only because the shared
environment happens to hold it."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = {
    "jbplein-contracts": ROOT / "contracts",
    "jbplein-kit": ROOT / "kit",
    "jbplein-runner": ROOT / "runner",
    "jbplein-intake": ROOT / "services/intake",
    "jbplein-tafel": ROOT / "services/tafel",
    "jbplein-toewijzing": ROOT / "services/toewijzing",
    "jbplein-notificatie": ROOT / "services/notificatie",
}


def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower().replace("_", "-")


def declared(member: str) -> set[str]:
    """The distributions a member may import: its dependencies and theirs, transitively."""
    seen: set[str] = set()
    todo = [member]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            found = requires(name) or []
        except PackageNotFoundError:
            continue  # not installed here (a marker excludes it), so not importable either
        for text in found:
            requirement = Requirement(text)
            # Optional extras of a dependency are not counted: declare what you import.
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            todo.append(_name(text.split(";")[0]))
    return seen


def imported(source: Path) -> set[str]:
    modules: set[str] = set()
    for path in source.rglob("*.py"):
        if "migrations" in path.parts and path.name != "env.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names}


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_a_member_imports_only_what_it_declares(member: str) -> None:
    folder = MEMBERS[member]
    own = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]
    assert own == member
    allowed = declared(member)
    distributions = packages_distributions()
    missing = {}
    for module in imported(folder / "src"):
        owners = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        if module.startswith("jbplein_"):  # workspace members are installed editable
            owners.add(module.replace("_", "-"))
        if not owners & allowed:
            missing[module] = sorted(owners) or ["(unknown)"]
    assert missing == {}, f"{member} imports undeclared modules: {missing}"


def test_the_contracts_need_no_runtime_of_ours() -> None:
    allowed = declared("jbplein-contracts")
    assert not {"fastapi", "sqlalchemy", "faststream", "nats-py", "jbplein-kit"} & allowed


@pytest.mark.parametrize(
    "member",
    [m for m in MEMBERS if m.startswith("jbplein-") and (MEMBERS[m].parent.name == "services")],
)
def test_a_service_never_imports_another_service(member: str) -> None:
    me = member.replace("-", "_")
    others = {m.replace("-", "_") for m in MEMBERS if MEMBERS[m].parent.name == "services"} - {me}
    assert imported(MEMBERS[member] / "src") & others == set()
