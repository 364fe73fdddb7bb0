"""Tests for consult.comments."""
