"""Reaching people who asked: subscriptions to new consultations and published feedback."""
