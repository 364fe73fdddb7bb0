"""Contact details: what a valid one looks like, what kind it is, how it can be reached, how it is masked.

One home for these rules: the comment form, the API, intake rows, staff entry, the receipt and the
notification sender all ask here, so a number accepted in one door is read the same way in the others.
"""

from __future__ import annotations

import re

from consult.models.comments import CONTACT_MAX

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
# Stored mobile numbers are 11 digits starting with 1 (normalise_contact): a LIKE pattern for queries.
MOBILE_LIKE = "1__________"


def normalise_contact(raw: str | None) -> str | None:
    """A phone number (spaces, dashes, brackets and +86 dropped) or an email address; None when empty.

    "" means "given but not valid", so a door can name the field.
    """
    value = (raw or "").strip()
    if not value:
        return None
    if "@" in value:
        return value if EMAIL.match(value) and len(value) <= CONTACT_MAX else ""
    digits = re.sub(r"[\s\-()（）]", "", value).removeprefix("+86")
    return digits if MOBILE.match(digits) or LANDLINE.match(digits) else ""


def contact_kind(contact: str | None) -> str | None:
    """'email', 'mobile' or 'landline' for a normalised contact; None when there is none."""
    if not contact:
        return None
    if "@" in contact:
        return "email"
    if MOBILE.match(contact):
        return "mobile"
    return "landline"


def notify_channel(contact: str | None, sms_enabled: bool) -> str | None:
    """How a consenting commenter can be told of the feedback: 'email', 'sms' or None (cannot be)."""
    kind = contact_kind(contact)
    if kind == "email":
        return "email"
    if kind == "mobile" and sms_enabled:
        return "sms"
    return None


def mask_contact(contact: str | None) -> str | None:
    """A contact as a receipt or a preview shows it: 139****5678, w***@example.com."""
    if not contact:
        return None
    name, at, domain = contact.partition("@")
    if at:
        return f"{name[:1]}***@{domain}"
    return contact[:3] + "****" + contact[-4:] if len(contact) >= 8 else "****"
