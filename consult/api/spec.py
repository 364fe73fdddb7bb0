"""apispec set up for the API's marshmallow schemas (consult/api/openapi.py makes the document).

An answer's schema (OutSchema) lists every field as required and allows more (the contract may be
extended); a request body's schema (InSchema) allows unknown properties unless it raises on them.
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import get_fields, resolve_schema_instance
from marshmallow import RAISE

from consult.api.schemas import (
    errors,
    exports,
    feedback,
    groups,
    intake,
    invitations,
    public,
    search,
    staff,
    subscriptions,
    themes,
    versions,
)
from consult.api.schemas.base import OutSchema

# Every shape with a name in the document; nested ones are named the same way (class name less "Schema").
SCHEMAS = [
    errors.ErrorSchema,
    public.DraftListSchema,
    public.DraftSchema,
    public.CommentPageSchema,
    public.NewCommentSchema,
    public.CommentReceiptSchema,
    public.ReceiptSchema,
    staff.StaffCommentPageSchema,
    staff.ModerationSchema,
    staff.DecisionInputSchema,
    staff.OfflineCommentSchema,
    staff.NewDraftSchema,
    staff.DraftChangesSchema,
    staff.NewVersionSchema,
    staff.ExplanationInputSchema,
    staff.AdminDraftSchema,
    feedback.FeedbackReportSchema,
    feedback.FeedbackItemsPageSchema,
    feedback.SatisfactionInputSchema,
    feedback.SatisfactionResultSchema,
    feedback.FeedbackStateSchema,
    feedback.FeedbackPublishInputSchema,
    subscriptions.SubscriptionInputSchema,
    subscriptions.SubscriptionRequestedSchema,
    versions.ComparisonSchema,
    search.SearchResultsSchema,
    intake.IntakeUploadSchema,
    groups.GroupListSchema,
    groups.GroupAnswerSchema,
    groups.SplitInputSchema,
    groups.MergeInputSchema,
    groups.GroupModerationInputSchema,
    groups.GroupModerationAnswerSchema,
    groups.GroupDecisionInputSchema,
    groups.GroupDecisionAnswerSchema,
    exports.ExportJobAnswerSchema,
    themes.ThemeListSchema,
    themes.SummarySchema,
    invitations.InvitationInputSchema,
    invitations.InvitationSchema,
    invitations.InvitationListSchema,
]


def schema_name(schema: Any) -> str:
    """A component's name: the class name without "Schema"."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


class Converter(OpenAPIConverter):
    """Answers: every field required, more allowed. Bodies: unknown properties allowed unless refused."""

    def init_attribute_functions(self):
        super().init_attribute_functions()
        # OpenAPI 3.1 says a file in a multipart body is a string with contentMediaType; apispec drops
        # that keyword from metadata unless told.
        self.attribute_functions.append(
            lambda field, **kwargs: {
                key: field.metadata[key] for key in ("contentMediaType",) if key in field.metadata
            }
        )

    def schema2jsonschema(self, schema):
        jsonschema = super().schema2jsonschema(schema)
        instance = resolve_schema_instance(schema)
        jsonschema.pop("additionalProperties", None)
        if isinstance(instance, OutSchema):
            jsonschema["required"] = [
                field.data_key or name
                for name, field in get_fields(schema).items()
                if not field.metadata.get("optional")
            ]
        else:
            jsonschema["additionalProperties"] = instance.unknown != RAISE
        doc = (type(instance).__doc__ or "").strip()
        if doc and "description" not in jsonschema:
            jsonschema["description"] = doc.split("\n\n")[0].replace("\n", " ")
        return jsonschema


class Plugin(MarshmallowPlugin):
    Converter = Converter
