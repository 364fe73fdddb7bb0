"""Security headers and Cache-Control for every answer, set in this one after-request hook.

One small hook rather than flask-talisman: the app needs a fixed policy, not talisman's per-view
options, nonces or its HTTPS redirect (TLS and HSTS belong to the proxy, see README's Production
section), and a hook reads in one screen what each answer gets.

The policy allows nothing inline: the templates carry no <script> body, no style= attribute and no
on*= handler (scripts and styles are files under static/), so `'self'` is enough and a planted
script, had one slipped past the escaping, would not run.

Referrer-Policy is `same-origin`: a receipt address (/receipts/<code>, /r/<code>) is as good as the
code itself, and `strict-origin-when-cross-origin` would still tell another site which site the
visitor came from; with `same-origin` a link out of the site sends no Referer at all, while the
site's own pages still get the full one.

`Cache-Control: no-store` on everything personal: any answer to a signed-in user or to an API
token, every staff and intake address, every receipt address and subscription link, any answer to a
write (a refused form comes back with the name and contact typed into it), and any answer that sets a cookie
(the session cookie of a form error, or a visitor's first CSRF token: a shared cache must never
hand one visitor's cookie to another). Other public pages keep their behaviour (the page cache of
consult/web/cache.py lives in the process, not in the browser or a proxy).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
# Staff, intake and receipt addresses, in the HTML site and the API.
PERSONAL_PREFIXES = (
    "/admin",
    "/intake",
    "/receipts",
    "/r/",
    "/subscriptions/",  # a subscription's links: the token is as good as the address behind it
    "/api/v1/admin",
    "/api/v1/intake",
    "/api/v1/receipts",
)
NO_STORE = "no-store"
# What the hook works with: each security header with its lowercase name, and each prefix without its
# closing slash (the address itself, "/admin", is as personal as what lies under it).
_SECURITY_HEADERS = tuple((name, name.lower(), value) for name, value in SECURITY_HEADERS.items())
_PERSONAL_EXACT = frozenset(prefix.rstrip("/") for prefix in PERSONAL_PREFIXES)


def init_headers(app: Flask) -> None:
    """Register the hook on the app (after sign-in, so it sees who asked)."""
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """The security headers on every answer; no-store on the personal ones."""
    # One pass over the answer's few headers: werkzeug's lookups (get, `in`) raise and catch an error
    # for each name that is missing, and most are.
    present: dict[str, str] = {}
    for name, value in response.headers.items():
        present.setdefault(name.lower(), value)
    for name, lowered, value in _SECURITY_HEADERS:
        if lowered not in present:
            response.headers.add(name, value)
    if NO_STORE in present.get("cache-control", "") or request.endpoint == "static":
        return response  # already never stored (downloads, /healthz), or a static file
    if is_personal(response, "set-cookie" in present):
        response.headers["Cache-Control"] = NO_STORE
        if "expires" in present:
            response.headers.pop("Expires", None)
    return response


def is_personal(response: Response, sets_cookie: bool | None = None) -> bool:
    """Whether this answer may hold something about one person (and so must not be stored).

    ``sets_cookie``: whether the answer has a Set-Cookie header already, when the caller knows."""
    if request.method not in ("GET", "HEAD"):
        return True  # a refused form comes back with what the person typed (name, contact) in it
    path = request.path
    if path in _PERSONAL_EXACT or path.startswith(PERSONAL_PREFIXES):
        return True
    if g.get("actor") is not None or current_user.is_authenticated:
        return True
    if sets_cookie if sets_cookie is not None else "Set-Cookie" in response.headers:
        return True
    # The session cookie is written after this hook: ask the session interface whether it will be.
    return current_app.session_interface.should_set_cookie(current_app, session)
