"""Which way imports point (docs/architecture.md): the business rooms never reach for the composition
root, the web or the CLI; the law engine imports nothing of ours; nothing opens a session of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "workflow"
BUSINESS = ("ledger", "documents", "calc", "claim", "accounts", "audit", "law", "cases", "mail", "evidence", "credit")
ENTRY_POINTS = ("workflow.core", "workflow.services", "workflow.app", "workflow.web", "workflow.cli", "workflow.jobs",
                "flask")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(room: str) -> list[Path]:
    return sorted((PACKAGE / room).rglob("*.py"))


@pytest.mark.parametrize("room", BUSINESS)
def test_business_rooms_do_not_import_entry_points_or_the_composition_root(room: str) -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith(ENTRY_POINTS))
        for p in _modules(room)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_law_engine_is_pure() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p)
                                            if n.startswith("workflow.") and not n.startswith("workflow.law"))
        for p in _modules("law")
    }
    offenders |= {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith(("sqlalchemy", "flask")))
        for p in _modules("law") if any(n.startswith(("sqlalchemy", "flask")) for n in _imports(p))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_case_workflow_is_a_pure_table() -> None:
    """The states and moves are data and one function: no database, no clock, nothing of ours."""
    imports = _imports(PACKAGE / "cases" / "states.py")
    assert sorted(n for n in imports if n.startswith(("workflow", "sqlalchemy", "flask"))) == []


def _is_session(node: ast.expr) -> bool:
    """``s``, ``session`` or ``….session``: a savepoint's own commit is fine."""
    if isinstance(node, ast.Name):
        return node.id in {"s", "session"}
    return isinstance(node, ast.Attribute) and node.attr == "session"


def test_no_service_opens_or_commits_a_session_of_its_own() -> None:
    """Only the unit of work begins and commits; a second session inside a request would also
    deadlock on SQLite, where a writing unit of work holds the write lock from its start."""
    allowed = {"unit_of_work.py", "db.py", "migrate.py"}
    offenders: list[str] = []
    for p in sorted(PACKAGE.rglob("*.py")):
        if p.name in allowed or "migrations" in p.parts:
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and (
                    node.attr == "session_factory"
                    or (node.attr in {"commit", "rollback", "begin"} and _is_session(node.value))):
                offenders.append(f"{p.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert offenders == []
