"""Accounts for admins: users, API tokens and contact points."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")
