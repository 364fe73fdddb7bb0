"""The test suite (mirrors consult/)."""
