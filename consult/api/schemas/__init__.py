"""The JSON shapes of /api/v1, one marshmallow schema each, split by area (see base.py)."""
