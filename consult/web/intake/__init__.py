"""The intake workspace (HTML) for contact points and staff: upload, preview, confirm, batches, templates.

Thin doors over consult.intake.importing: the upload is previewed with ``preview_batch`` and kept in the
instance folder under a token (``uploads.store``), so the confirmation — which may reach another
worker — re-reads the kept file and calls ``import_batch``. The preview is rendered straight from the
upload's POST (the file is read once); its later pages, the error report and a return after a refusal
re-read the kept file through the token.

One blueprint (``intake``, in ``common``); each module registers its views on it when imported: ``form``
(the upload form, and again after a refusal), ``preview`` (reading an upload, its preview, confirming or
cancelling it) and ``batches`` (the dashboard, imported batches, their files, the templates).
"""

from consult.web.intake import batches, form, preview  # noqa: F401 (importing them registers their views)
from consult.web.intake.common import bp

__all__ = ["bp"]
