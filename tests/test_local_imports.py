"""ARCHITECTURE.md: an import inside a function says in a comment why it is there.

An unexplained local import usually dodges an import cycle nobody wrote down; the layers (import-linter,
run by `make test`) say which way imports may go, and a comment says why this one waits.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "consult"


def unexplained_local_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for statement in ast.walk(function):
                if not isinstance(statement, ast.Import | ast.ImportFrom):
                    continue
                # The comment sits on the line, or above the run of imports it belongs to.
                line = statement.lineno - 1
                while line > 0 and lines[line - 1].lstrip().startswith(("from ", "import ")):
                    line -= 1
                if "#" in lines[statement.lineno - 1] or lines[line - 1].lstrip().startswith("#"):
                    continue
                found.append(f"{path.relative_to(PACKAGE.parent)}:{statement.lineno}")
    return found


def test_every_local_import_says_why():
    assert unexplained_local_imports() == []
