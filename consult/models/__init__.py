"""Tables only, one module per aggregate; importing this package registers them all."""

from consult.models.audit import AuditLog, OutboxEvent
from consult.models.changes import ChangeCounter
from consult.models.comments import Comment, Decision, SubmissionKey
from consult.models.counts import CommentCount
from consult.models.drafts import Article, ArticleText, Draft, DraftVersion
from consult.models.exports import ExportJob
from consult.models.feedback import (
    FeedbackPublication,
    PublishedDecision,
    PublishedUndecided,
    ReportPlace,
    Satisfaction,
)
from consult.models.groups import CommentBand, CommentGroup, GroupMember
from consult.models.intake import ContactPoint, IntakeBatch
from consult.models.invitations import Invitation
from consult.models.review import Assignment, ReviewNote
from consult.models.subscriptions import Subscription, SubscriptionNotice
from consult.models.themes import OpinionSummary, SummarySection, Theme, ThemeAnchor, ThemeJob, ThemeMember
from consult.models.users import ApiToken, LoginAttempt, User

__all__ = [
    "ApiToken",
    "Article",
    "ArticleText",
    "Assignment",
    "AuditLog",
    "ChangeCounter",
    "Comment",
    "CommentBand",
    "CommentCount",
    "CommentGroup",
    "ContactPoint",
    "Decision",
    "Draft",
    "DraftVersion",
    "ExportJob",
    "FeedbackPublication",
    "GroupMember",
    "IntakeBatch",
    "Invitation",
    "LoginAttempt",
    "OpinionSummary",
    "OutboxEvent",
    "PublishedDecision",
    "PublishedUndecided",
    "ReportPlace",
    "ReviewNote",
    "Satisfaction",
    "SubmissionKey",
    "Subscription",
    "SubscriptionNotice",
    "SummarySection",
    "Theme",
    "ThemeAnchor",
    "ThemeJob",
    "ThemeMember",
    "User",
]
