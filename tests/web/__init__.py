"""Tests for consult.web."""
