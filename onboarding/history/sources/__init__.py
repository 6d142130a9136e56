"""Event sources of the history, one module each (see onboarding/history/__init__.py)."""
