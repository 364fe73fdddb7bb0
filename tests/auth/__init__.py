"""Tests for consult.auth."""
