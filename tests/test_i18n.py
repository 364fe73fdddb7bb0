"""Every word a user sees goes through gettext, with the Chinese text as the source string.

Finds Han characters in templates outside {{ _("…") }} and in Python string literals outside
_()/_l()/gettext() calls. Docstrings and comments are for developers and may be Chinese. A literal
that is data, not interface text (a pattern the parser matches, a numeral table), is marked on its
line with `# i18n: data`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}
# Demo content is data in Chinese by nature: texts of regulations, comments, names.
EXEMPT_DIRS = {ROOT / "consult" / "demo"}

TEMPLATE_GETTEXT = re.compile(r"""_\(\s*(?:"[^"]*"|'[^']*')""")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _python_violations(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    if "# i18n: data-module" in source:
        return []
    tree = ast.parse(source)
    lines = source.splitlines()
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in GETTEXT_NAMES:
                for arg in node.args[:2]:
                    for sub in ast.walk(arg):
                        allowed.add(id(sub))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HAN.search(node.value):
            if id(node) in allowed:
                continue
            line = lines[node.lineno - 1]
            if "# i18n: data" in line:
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    return found


def test_python_has_no_chinese_outside_gettext():
    violations = []
    for path in sorted((ROOT / "consult").rglob("*.py")):
        if any(parent in EXEMPT_DIRS for parent in path.parents):
            continue
        violations.extend(_python_violations(path))
    assert violations == [], "\n".join(violations)


def test_templates_have_no_chinese_outside_gettext():
    violations = []
    for path in sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]):
        text = JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))
        stripped = TEMPLATE_GETTEXT.sub("_()", text)
        for number, line in enumerate(stripped.splitlines(), start=1):
            if HAN.search(line):
                violations.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:60]}")
    assert violations == [], "\n".join(violations)


def test_the_checker_catches_a_bare_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""模块说明。"""\nfrom consult.i18n import _\nA = _("可以")\nB = "不可以"\n', encoding="utf-8"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert [v.split(":")[1] for v in _python_violations(sample)] == ["4"]
    finally:
        ROOT = saved
