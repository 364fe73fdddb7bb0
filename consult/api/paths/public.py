"""Paths of the public operations (CONTRACT.md, "Public"): drafts, comments, receipts, search."""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

from typing import Any

from consult.api.paths.common import error_response, json_content, ok, param_ref, ref, response_ref
from consult.api.schemas.queries import CommentsQuerySchema, SearchQuerySchema
from consult.api.schemas.search import SearchResultsSchema
from consult.models.comments import IDEMPOTENCY_KEY_MAX


def paths() -> dict[str, Any]:
    """Drafts, comments, receipts, search and this description."""
    not_found = response_ref("NotFound")
    return {
        **_search_paths(),
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenapiDocument",
                "tags": ["meta"],
                "summary": "This description of the API",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": json_content({"type": "object"}),
                    }
                },
            }
        },
        "/api/v1/drafts": {
            "get": {
                "operationId": "listDrafts",
                "tags": ["drafts"],
                "summary": "Published drafts, open consultations first",
                "responses": {"200": ok("The public drafts.", "DraftList")},
            }
        },
        "/api/v1/drafts/{slug}": {
            "parameters": [param_ref("Slug")],
            "get": {
                "operationId": "getDraft",
                "tags": ["drafts"],
                "summary": "A draft with its current version and articles",
                "responses": {"200": ok("The draft.", "Draft"), "404": not_found},
            },
        },
        "/api/v1/drafts/{slug}/comments": {
            "parameters": [param_ref("Slug")],
            "get": {
                "operationId": "listComments",
                "tags": ["comments"],
                "summary": "Published comments on a draft",
                "description": "Never contact details, addresses or receipt codes. Newest first, paged by "
                "key: pass each answer's `next` as `before` to read the next older page, which costs what "
                "the first does however deep it is. `page` numbers the first pages only (up to the "
                "`page` maximum); `total`, on every page, is how many the listing holds.",
                "parameters": [{"in": "query", "schema": CommentsQuerySchema}],
                "responses": {
                    "200": ok("One page of published comments.", "CommentPage"),
                    "400": response_ref("ValidationError"),
                    "404": not_found,
                },
            },
            "post": {
                "operationId": "submitComment",
                "tags": ["comments"],
                "summary": "Submit a comment on a draft or one of its articles",
                "description": (
                    "JSON only. The comment waits for moderation; keep the receipt code. Sent with a "
                    "deputy's or expert's token (`Authorization: Bearer …`, or their session cookie with "
                    "X-CSRFToken) it is theirs: `channel` `deputy` or `expert`, signed with their display "
                    "name (`author_name`, `contact` and `notify` are then ignored). An unknown or revoked "
                    "token is a 401, never an anonymous comment."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": ref("NewComment"),
                            "example": {"body": "Opening hours should include weekday evenings."},
                        }
                    },
                },
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "1–64 visible ASCII characters, kept 24 hours. The same key with the "
                        "same body answers 200 with the first answer and stores nothing; the same key with "
                        "another body is 422 `idempotency_key_reused`.",
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": IDEMPOTENCY_KEY_MAX,
                            "pattern": "^[!-~]+$",
                        },
                    }
                ],
                "responses": {
                    "200": ok(
                        "A repeat of a request already answered (same Idempotency-Key, same body): "
                        "the first answer, nothing stored.",
                        "CommentReceipt",
                    ),
                    "201": ok("The comment was received.", "CommentReceipt"),
                    "400": response_ref("ValidationError"),
                    "401": response_ref("Unauthorized"),
                    "404": not_found,
                    "409": response_ref("ConsultationClosed"),
                    "413": response_ref("PayloadTooLarge"),
                    "415": response_ref("UnsupportedMediaType"),
                    "422": error_response(
                        "`idempotency_key_reused`: the Idempotency-Key already answered a different body."
                    ),
                    "429": response_ref("RateLimited"),
                },
            },
        },
        "/api/v1/receipts/{code}": {
            "parameters": [param_ref("ReceiptCode")],
            "get": {
                "operationId": "getReceipt",
                "tags": ["receipts"],
                "summary": "What became of a comment, by its receipt code",
                "description": (
                    "An unknown code is a 404 that says nothing more; after too many unknown codes from "
                    "one address (RECEIPT_LOOKUP_LIMIT) every lookup from it is a 429 for a while."
                ),
                "responses": {
                    "200": ok("The comment's status.", "Receipt"),
                    "404": not_found,
                    "429": response_ref("RateLimited"),
                },
            },
        },
    }


def _search_paths() -> dict[str, Any]:
    """The public search."""
    bad_request = response_ref("ValidationError")
    return {
        "/api/v1/search": {
            "get": {
                "operationId": "search",
                "tags": ["drafts"],
                "summary": "Search the articles of public drafts and published comments",
                "description": (
                    "Words, two-character terms, quoted phrases and mixed text (PM2.5, 2027年, 第十条). "
                    "Best matches first; query syntax junk is searched as text."
                ),
                "parameters": [{"in": "query", "schema": SearchQuerySchema}],
                "responses": {
                    "200": {
                        "description": "One page of results.",
                        "content": {"application/json": {"schema": ref(SearchResultsSchema)}},
                    },
                    "400": bad_request,
                },
            }
        }
    }
