"""The paths of the OpenAPI document, by area; consult/api/openapi.py puts them together."""
