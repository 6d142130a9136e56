"""Temporal workflows. Deterministic code only: all I/O lives in activities."""
