"""File downloads for every door (HTML and JSON): Flask's send_file names the file.

send_file writes the Content-Disposition header: the name in full as RFC 5987 ``filename*`` (UTF-8,
so a Chinese name arrives intact) and a plain ``filename`` reduced to ASCII for old clients. Files
handed out here may carry contact details, so they are never stored by a cache.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Response, send_file


def download(
    data: bytes | IO[bytes],
    mimetype: str,
    filename: str,
    size: int | None = None,
    *,
    attachment: bool = True,
    personal: bool = True,
) -> Response:
    """`data` (bytes, or a binary file the response closes when sent) named `filename`.

    `attachment=False` lets the browser show it (the open data's JSON); `personal=False` for public
    files (open data), which may be cached like any public page.
    """
    if isinstance(data, bytes):
        size = len(data)
        data = io.BytesIO(data)
    response = send_file(
        data, mimetype=mimetype, as_attachment=attachment, download_name=filename, max_age=0, etag=False
    )
    if size is not None:
        response.content_length = size
    # send_file appends "; charset=utf-8" to a text type even when the type already names one.
    response.headers["Content-Type"] = mimetype if ";" in mimetype else response.headers["Content-Type"]
    if personal:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
