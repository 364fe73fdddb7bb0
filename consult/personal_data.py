"""Personal data: finding it in free text, validating contact fields, reaching and masking them.

One home for these rules. The moderation queue (which offers staff a masked copy to publish), the seed,
the contact purge (which scrubs stored reports), intake previews, the comment form, the API, the receipt
and the notification sender all ask here, so a number found or accepted in one place is read the same
way in the others. In the first build three phone patterns disagreed and a dashed number was published.

In free text: mobile numbers and landlines written with spaces, dashes, brackets or +86; 18-digit
resident ID numbers whose check digit is valid (GB 11643); e-mail addresses.
"""

from __future__ import annotations

import re

from consult.models.comments import CONTACT_MAX

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
# Stored mobile numbers are 11 digits starting with 1 (normalise_contact): a LIKE pattern for queries.
MOBILE_LIKE = "1__________"

# --- in free text -------------------------------------------------------------------------------------

_SEP = r"[\s\-－—–‐]?"  # one optional separator between digit groups (ASCII or full-width dash)
PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:(?:\+|＋)?86" + _SEP + r")?"
    r"(?:1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}"  # mobile: 138 1234 5678, 138-1234-5678
    r"|[(（]?0\d{2,3}[)）]?"
    + _SEP
    + r"(?:\d{7,8}|\d{3,4}"
    + _SEP
    + r"\d{4}))"  # 0571-88889999, (010)1234 5678
    r"(?![0-9])"
)
ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{6}" + r"(?:18|19|20)\d{2}\d{7}[0-9Xx](?![0-9A-Za-z])")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
KINDS = ("phone", "id_number", "email")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(number: str) -> bool:
    """Whether an 18-character resident ID number has a valid check digit (ISO 7064 MOD 11-2)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _id_numbers(text: str) -> list[re.Match]:
    return [m for m in ID_NUMBER_IN_TEXT.finditer(text) if valid_id_number(m.group(0))]


def find(text: str | None) -> list[str]:
    """The kinds of personal data in a text, in KINDS order: phone, id_number, email."""
    if not text:
        return []
    found = []
    without_ids = ID_NUMBER_IN_TEXT.sub(" ", text)  # an ID number's digits are no phone number
    if PHONE_IN_TEXT.search(without_ids):
        found.append("phone")
    if _id_numbers(text):
        found.append("id_number")
    if EMAIL_IN_TEXT.search(text):
        found.append("email")
    return found


def _digits(phone: str) -> str:
    digits = re.sub(r"[^0-9]", "", phone.translate(_FULL_WIDTH))
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _mask_phone(match: re.Match) -> str:
    digits = _digits(match.group(0))
    return digits[:3] + "****" + digits[-4:]


def _mask_email(match: re.Match) -> str:
    name, _at, domain = match.group(0).partition("@")
    return f"{name[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """A copy with phone numbers, ID numbers and e-mail addresses masked: 138****5678,
    330106********1234, w***@example.com. The copy staff may publish instead of the original."""
    for match in reversed(_id_numbers(text)):
        value = match.group(0)
        text = text[: match.start()] + value[:6] + "********" + value[-4:] + text[match.end() :]
    text = PHONE_IN_TEXT.sub(_mask_phone, text)
    return EMAIL_IN_TEXT.sub(_mask_email, text)


def scrub_text(text: str, replacement: str) -> str:
    """Every phone number and e-mail address replaced (the contact purge's rule for stored reports)."""
    return PHONE_IN_TEXT.sub(replacement, EMAIL_IN_TEXT.sub(replacement, text))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


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
