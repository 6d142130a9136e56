"""Obligations with deadlines, their reminder schedule and the policy behind it."""
