"""Tests for consult.api."""
