"""Accounts for admins: users, API tokens and contact points (thin doors over consult.auth.operations).

A generated password or a new API token is shown once, in the answer to the POST that made it, and
never stored anywhere (not even in the signed session cookie): that answer is `no-store` and the page
says to copy it now. Every other successful POST redirects (303). Destructive actions (deactivate,
sign out everywhere, revoke) ask first: their GET is the confirmation page, and a POST without
`confirm=1` only shows that page again.

One blueprint (``admin_accounts``, in ``common``); each module registers its views on it when imported:
``users`` (the list, creating and editing), ``security`` (deactivate, reactivate, sign out, password),
``tokens`` and ``contact_points``.
"""

from consult.web.admin_accounts import contact_points, security, tokens, users  # noqa: F401 (registers views)
from consult.web.admin_accounts.common import bp

__all__ = ["bp"]
