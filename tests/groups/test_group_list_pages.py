"""The staff's page of group decisions (/admin/review/<slug>/groups) a page at a time: read by key
(``after``), largest first, each group once across the pages; a decision saved from a later page comes
back to that page; only staff see it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from consult.db import end_read
from consult.groups.drain import drain
from tests.groups.test_grouping import group_of

SLUG = "group-pages-draft"
CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
OTHER = "城市书房的座位太少了，{estate}附近的书房周末经常找不到位子，建议增加座位和自习桌。"
THIRD = "图书馆门口的停车位不够，{estate}的老人开车来借书总找不到地方停，建议划出老年人车位。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都"]
URL = f"/admin/review/{SLUG}/groups"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


@pytest.fixture
def three_groups(factory):
    """Groups of 4, 3 and 2 published comments on one draft: their ids, largest first."""
    draft = factory.draft("closed", slug=SLUG)
    firsts = []
    for text, n in ((CAMPAIGN, 4), (OTHER, 3), (THIRD, 2)):
        ids = [factory.comment(draft, text.format(estate=e), status="published").id for e in ESTATES[:n]]
        firsts.append(ids[0])
    drain()
    groups = [group_of(c) for c in firsts]
    end_read()
    return groups


def test_the_groups_page_is_read_a_page_at_a_time(login_as, three_groups, monkeypatch):
    monkeypatch.setattr("consult.web.admin_groups.GROUPS_PER_PAGE", 2)
    staff = login_as("staff")
    first = staff.get(URL)
    assert first.status_code == 200
    page = soup(first)
    assert [li["id"] for li in page.select("li.group-item")] == [f"g{g}" for g in three_groups[:2]]
    following = page.select_one("nav.pagination a[rel=next]")
    assert following is not None and not page.select("nav.pagination a:not([rel])")  # no way back yet

    second = soup(staff.get(following["href"]))
    assert [li["id"] for li in second.select("li.group-item")] == [f"g{three_groups[2]}"]
    assert second.select_one("nav.pagination a[rel=next]") is None
    back = second.select_one("nav.pagination a:not([rel])")
    assert back.get_text() == "最大的意见组" and "after" not in back["href"]

    # A decision saved on the second page comes back to the second page.
    form = second.select_one(f"#g{three_groups[2]} form.decision-form")
    after = parse_qs(urlsplit(form["action"]).query)["after"]
    csrf = form.select_one("input[name=csrf_token]")["value"]
    data = {"csrf_token": csrf, "outcome": "adopted", "reason": "", "decision_version": "0"}
    saved = staff.post(form["action"], data=data)
    assert saved.status_code == 303
    assert parse_qs(urlsplit(saved.headers["Location"]).query)["after"] == after
    again = soup(staff.get(saved.headers["Location"]))
    assert again.select_one(f"#g{three_groups[2]} .current-decision")

    # A malformed cursor reads as the first page.
    assert [li["id"] for li in soup(staff.get(URL + "?after=x-1")).select("li.group-item")] == [
        f"g{g}" for g in three_groups[:2]
    ]


def test_only_staff_see_the_groups_page(app, login_as, three_groups):
    anonymous = app.test_client().get(URL)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    assert login_as("contact_point").get(URL).status_code == 403
