"""Accounts, password hashing, roles, API tokens and sign-in."""
