"""The Chinese names of stored values have one home, consult.vocabulary, and the domain never asks the
web door for them."""

from __future__ import annotations

import re
from pathlib import Path

from consult import personal_data, vocabulary
from consult.feedback.opendata import readme_text
from consult.models import enums

ROOT = Path(__file__).resolve().parent.parent
DOORS = ("consult.web", "consult.api")


def _enums() -> dict[str, tuple[str, ...]]:
    return {
        name: value
        for name, value in vars(enums).items()
        if name.isupper() and isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    }


def test_every_value_of_every_enum_has_a_chinese_name():
    found = _enums()
    assert found, "no enums found in consult.models.enums"
    missing = {
        name: sorted(set(values) - set(vocabulary.BY_ENUM.get(name, {}))) for name, values in found.items()
    }
    assert {name: values for name, values in missing.items() if values} == {}
    for name, values in found.items():
        labels = vocabulary.BY_ENUM[name]
        assert tuple(labels) == values, f"{name}: the labels' order differs from the enum's"
        assert all(str(label).strip() for label in labels.values())


def test_every_kind_of_personal_data_has_a_chinese_name():
    assert tuple(vocabulary.PERSONAL_DATA) == personal_data.KINDS


def test_label_functions_answer_plain_strings_and_pass_unknown_values_through(app):
    assert vocabulary.outcome_label("adopted") == "采纳"
    assert type(vocabulary.channel_label("web")) is str
    assert vocabulary.status_label("no-such-status") == "no-such-status"


def test_the_domain_never_imports_a_door():
    offenders = []
    for path in sorted((ROOT / "consult").rglob("*.py")):
        package = path.relative_to(ROOT / "consult").parts[0]
        if package in ("web", "api") or path.name in ("__init__.py", "cli.py", "errors.py"):
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {door}" for door in DOORS if f"from {door}" in text]
    assert offenders == []


def _readme_values(readme: str, field: str) -> dict[str, str]:
    line = next(line for line in readme.splitlines() if line.startswith(f"  {field}: "))
    listed = line.split("：", 1)[1].split("；", 1)[0]
    return dict(re.fullmatch(r"(\S+) (.+)", item).groups() for item in listed.split("、"))


def test_the_open_data_readme_lists_exactly_the_vocabulary(app, monkeypatch):
    readme = readme_text("sample")
    assert _readme_values(readme, "channel") == {k: str(v) for k, v in vocabulary.CHANNELS.items()}
    assert _readme_values(readme, "outcome") == {k: str(v) for k, v in vocabulary.OUTCOMES.items()}
    assert f"concluded 表示{vocabulary.DRAFT_STATUSES['concluded']}" in readme
    # A name changed in the vocabulary is the name the README gives: nothing typed twice.
    monkeypatch.setitem(vocabulary.CHANNELS, "web", "互联网站")
    monkeypatch.setitem(vocabulary.OUTCOMES, "adopted", "予以采纳")
    readme = readme_text("sample")
    assert _readme_values(readme, "channel")["web"] == "互联网站"
    assert _readme_values(readme, "outcome")["adopted"] == "予以采纳"
