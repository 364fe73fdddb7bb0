"""Limits shown on the pages come from the constants the rules enforce, never typed into a template."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from consult.comments.operations import BODY_MIN
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX
from consult.search.queries import QUERY_MAX

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_types_a_length_limit():
    typed = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        typed += [f"{path.name}: {m}" for m in re.findall(r"maxlength=\"?\d+", text)]
        typed += [f"{path.name}: {m}" for m in re.findall(r"\d+至\d+字", text)]
    assert typed == []


def test_the_comment_form_reads_the_rules(client, factory):
    draft = factory.draft()
    page = BeautifulSoup(client.get(f"/drafts/{draft.slug}").data, "html.parser")
    body = page.select_one("textarea[name=body]")
    assert int(body["data-max"]) == BODY_MAX and int(body["maxlength"]) > BODY_MAX
    assert (
        f"{BODY_MIN}至{BODY_MAX}字" in page.select_one(f"#{body['aria-describedby'].split()[0]}").get_text()
    )
    assert int(page.select_one("input[name=author_name]")["maxlength"]) == AUTHOR_NAME_MAX
    assert int(page.select_one("input[name=contact]")["maxlength"]) == CONTACT_MAX
    assert int(page.select_one("input[name=q]")["maxlength"]) == QUERY_MAX
