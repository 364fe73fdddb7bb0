"""The input limits the pages show (maxlength, hints), read from the constants the rules use.

A limit typed into a template drifts from the rule that enforces it; templates read `limits.body_max`
instead of "5000".
"""

from __future__ import annotations

from types import MappingProxyType

from consult.comments.operations import BODY_MIN
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX
from consult.models.drafts import EXPLANATION_MAX
from consult.models.feedback import SATISFACTION_COMMENT_MAX
from consult.models.intake import (
    COLLECTOR_MAX,
    DISTRICT_MAX,
    MEETING_PLACE_MAX,
    POINT_EMAIL_MAX,
    POINT_NAME_MAX,
    POINT_SLUG_MAX,
)
from consult.models.subscriptions import ADDRESS_MAX as SUBSCRIPTION_ADDRESS_MAX
from consult.models.themes import LABEL_MAX as THEME_LABEL_MAX
from consult.models.themes import SECTION_TEXT_MAX
from consult.models.users import DISPLAY_NAME_MAX, TOKEN_NAME_MAX, USERNAME_MAX
from consult.models.users import EMAIL_MAX as ACCOUNT_EMAIL_MAX
from consult.search.queries import QUERY_MAX

# What the browser lets someone type into the comment box: more than BODY_MAX, so a text pasted a little
# too long is refused with the count ("现有5012个字") instead of being cut silently.
BODY_TYPING_MAX = BODY_MAX + 1000
# The same for an article's explanation (条文释义) on the staff form.
EXPLANATION_TYPING_MAX = EXPLANATION_MAX + 1000

LIMITS = MappingProxyType(
    {
        "body_min": BODY_MIN,
        "body_max": BODY_MAX,
        "body_typing_max": BODY_TYPING_MAX,
        "author_name_max": AUTHOR_NAME_MAX,
        "contact_max": CONTACT_MAX,
        "query_max": QUERY_MAX,
        "satisfaction_comment_max": SATISFACTION_COMMENT_MAX,
        "username_max": USERNAME_MAX,
        "display_name_max": DISPLAY_NAME_MAX,
        "account_email_max": ACCOUNT_EMAIL_MAX,
        "token_name_max": TOKEN_NAME_MAX,
        "point_slug_max": POINT_SLUG_MAX,
        "point_name_max": POINT_NAME_MAX,
        "district_max": DISTRICT_MAX,
        "point_email_max": POINT_EMAIL_MAX,
        "meeting_place_max": MEETING_PLACE_MAX,
        "collector_max": COLLECTOR_MAX,
        "theme_label_max": THEME_LABEL_MAX,
        "summary_section_max": SECTION_TEXT_MAX,
        "subscription_address_max": SUBSCRIPTION_ADDRESS_MAX,
        "explanation_max": EXPLANATION_MAX,
        "explanation_typing_max": EXPLANATION_TYPING_MAX,
    }
)
