"""Comments on a sample draft that raise a few themes, with boilerplate around them."""

from __future__ import annotations

import pytest

from consult.context import CLI
from consult.themes.operations import rebuild_themes

HOURS = [
    "城市书房的开放时间太短，晚上八点就关门，建议延长开放时间到晚上十点。",
    "建议本条例规定书房开放时间延长到晚上十点，上班族下班后才有时间去。",
    "希望有关部门应当考虑延长开放时间，晚上关门太早了。",
    "开放时间能不能延长一些，晚上九点以后也想去看书。",
]
DEPOSIT = [
    "借书要交押金不合理，建议取消借书押金，凭身份证就可以借书。",
    "意见：取消押金，借书押金一百元太高了。",
    "押金制度应该取消，很多城市借书都不要押金了。",
]
KIDS = ["希望增加儿童阅读区，孩子放学后有地方看书。", "儿童阅读区太小，建议扩大儿童阅读区面积。"]
OTHER = ["写得很好，支持。"]


@pytest.fixture
def themed(factory):
    """A draft with comments on its first article in three themes, and one general opinion; built."""
    draft = factory.draft("open", slug="themed-draft")
    ids: dict[str, list[int]] = {"hours": [], "deposit": [], "kids": [], "other": []}
    for name, texts in (("hours", HOURS), ("deposit", DEPOSIT), ("kids", KIDS), ("other", OTHER)):
        for n, text in enumerate(texts):
            status = "published" if n % 2 else "pending"
            ids[name].append(factory.comment(draft, text, status=status, article_index=0).id)
    general = factory.comment(draft, "整体上支持出台本条例。", status="published", article_index=None)
    ids["general"] = [general.id]
    rebuild_themes(None, CLI, "themed-draft")
    return draft, ids
