"""The real app in headless Debian Chromium through Playwright (tests by kind)."""
