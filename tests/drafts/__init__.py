"""Tests for the draft-text parser and Chinese numerals."""
