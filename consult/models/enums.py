"""The values of every enum the platform stores, as plain string tuples (DOMAIN.md, CONTRACT.md)."""

COMMENT_STATUSES = ("pending", "published", "rejected", "spam")
CHANNELS = ("web", "contact_point", "deputy", "expert", "letter")
OUTCOMES = ("adopted", "partially_adopted", "not_adopted", "already_provided", "out_of_scope")
ROLES = ("admin", "staff", "contact_point", "deputy", "expert")
# 基层立法联系点, and the deputies' homes and stations (代表之家、代表联络站): contact points of other kinds.
CONTACT_POINT_KINDS = ("legislative", "deputy_home", "deputy_station")
DRAFT_STATUSES = ("draft", "upcoming", "open", "closed", "concluded")
MEETING_METHODS = ("forum", "visit", "questionnaire", "letter", "other")
OUTBOX_KINDS = (
    "search.index",
    "search.remove",
    "mail.feedback",
    "sms.feedback",
    "groups.update",
    "mail.reach",
    "sms.reach",
    "mail.invite",
)
SUBSCRIPTION_TOPICS = ("drafts", "feedback")
SUBSCRIPTION_CHANNELS = ("email", "sms")
EXPORT_FORMATS = ("xlsx", "csv", "docx")
EXPORT_INCLUDES = ("published", "all")
EXPORT_JOB_STATES = ("queued", "running", "done", "failed")
THEME_JOB_STATES = ("queued", "running", "done", "failed")
