"""Fixtures of the end-to-end tests alone: the headless browser."""

from tests.e2e.chromium import browser

__all__ = ["browser"]
