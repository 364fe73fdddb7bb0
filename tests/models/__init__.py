"""Tests for consult.models."""
