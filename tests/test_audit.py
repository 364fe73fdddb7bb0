"""The registry of audit actions: every action recorded anywhere in consult/ has a Chinese name, and
record() refuses one that has none.

Reads the source with `ast`: every call of audit.record(...) (or a bare record(...) imported from
consult.audit) is found, and its action argument resolved to the strings it can be — a literal, a
name bound to literals (in the function or the module, through conditional expressions), or a
subscript of a module-level dict of literals. A call site whose action cannot be resolved fails too:
an action built at run time (an f-string) would escape this check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from consult import audit
from consult.context import CLI
from consult.db import end_read, write_transaction

ROOT = Path(__file__).resolve().parent.parent
ACTION_POSITION = 3  # record(session, actor, ctx, action, target, details)


class Unresolved(Exception):
    """The action argument is not made of literals this test can see."""


def _is_record_call(node: ast.Call, imports_record: bool) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "record":
        return isinstance(func.value, ast.Name) and func.value.id == "audit"
    return imports_record and isinstance(func, ast.Name) and func.id == "record"


def _assignments(scope: ast.AST, name: str) -> list[ast.expr]:
    """The values assigned to `name` directly in a function or a module (not in nested functions)."""
    found = []
    for node in ast.walk(scope) if isinstance(scope, ast.FunctionDef) else scope.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found.append(node.value)
    return [value for value in found if value is not None]


def _resolve(expr: ast.expr, function: ast.FunctionDef | None, module: ast.Module) -> set[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _resolve(expr.body, function, module) | _resolve(expr.orelse, function, module)
    if isinstance(expr, ast.Name):
        inner = _assignments(function, expr.id) if function is not None else []
        values, scope = (inner, function) if inner else (_assignments(module, expr.id), None)
        if not values:
            raise Unresolved(f"name {expr.id!r} is not bound to literals")
        return set().union(*(_resolve(value, scope, module) for value in values))
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        tables = _assignments(module, expr.value.id)
        if len(tables) == 1 and isinstance(tables[0], ast.Dict):
            return set().union(*(_resolve(v, None, module) for v in tables[0].values))
    raise Unresolved(ast.unparse(expr))


def _action_arg(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    return call.args[ACTION_POSITION] if len(call.args) > ACTION_POSITION else None


def recorded_actions() -> dict[str, set[str]]:
    """Every call site of the audit recorder in consult/ → the actions it may record."""
    sites: dict[str, set[str]] = {}
    for path in sorted((ROOT / "consult").rglob("*.py")):
        if path == ROOT / "consult" / "audit.py":
            continue
        module = ast.parse(path.read_text(encoding="utf-8"))
        imports_record = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "consult.audit"
            and any(alias.name == "record" for alias in node.names)
            for node in ast.walk(module)
        )
        functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(module):
            if not (isinstance(node, ast.Call) and _is_record_call(node, imports_record)):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            arg = _action_arg(node)
            assert arg is not None, f"{where}: record() without an action"
            enclosing = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or 0)]
            function = max(enclosing, key=lambda f: f.lineno) if enclosing else None
            try:
                sites[where] = _resolve(arg, function, module)
            except Unresolved as err:
                pytest.fail(
                    f"{where}: cannot tell which action is recorded ({err}); use a literal or a dict of them"
                )
    return sites


def test_every_recorded_action_has_a_chinese_label():
    sites = recorded_actions()
    assert len(sites) >= 25  # the walk found the recorders (auth, drafts, comments, intake, feedback…)
    unlabelled = sorted(
        f"{where}: {action}"
        for where, actions in sites.items()
        for action in actions
        if action not in audit.ACTIONS
    )
    assert unlabelled == []
    recorded = set().union(*sites.values())
    assert {
        "intake.import",
        "token.revoke",
        "user.update",
        "comment.bulk_reject",
        "contacts.purge",
    } <= recorded
    # The registry names no action nobody records (a renamed action leaves no dead label behind).
    assert sorted(set(audit.ACTIONS) - recorded) == []
    for action, label in audit.ACTIONS.items():
        assert str(label) and str(label) != action


def test_record_refuses_an_unregistered_action(app):
    end_read()
    with pytest.raises(audit.UnknownAuditAction), write_transaction() as session:
        audit.record(session, None, CLI, "comment.vanish", None, {})
    assert audit.action_label("intake.import") == "导入意见表格"
    assert audit.target_type_label("intake_batch") == "导入批次"
