"""Helpers for the tests that look at buildcase's output as a reader does: in a browser."""
