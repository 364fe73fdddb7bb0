"""Tests for consult.browser."""
