"""How an article is named to someone who commented on it: the one rule for receipts and reports.

A comment keeps the article it was made on; a revision may renumber or remove that article. People
recognise the number they commented on, so wherever a comment's article is named it reads
"第十六条（征求意见稿）· 现第十五条" after a renumbering, "第十六条（征求意见稿）· 修改稿中已删除"
after a removal, and plainly "第十五条" when nothing changed.
"""

from __future__ import annotations

from consult.i18n import _


def version_name(label: str | None, number: int) -> str:
    """A version's name as people call it: its label (征求意见稿, 修改稿), else "第2稿"."""
    return (label or "").strip() or _("第%(n)d稿", n=number)


def as_commented(label_then: str | None, version_then: str | None, label_now: str | None) -> str | None:
    """The article a comment was made on, named as its commenter knows it and as it is now.

    `label_then` is the label in the version commented on (`version_then`, its name); `label_now` the
    label in the current version (None: removed since). None for a comment on the draft as a whole.
    """
    if label_then is None and label_now is None:
        return None
    if label_then is None or label_then == label_now:
        return label_now or label_then
    if label_now is None:
        return _("%(then)s（%(version)s）· 修改稿中已删除", then=label_then, version=version_then or "")
    return _("%(then)s（%(version)s）· 现%(now)s", then=label_then, version=version_then or "", now=label_now)
