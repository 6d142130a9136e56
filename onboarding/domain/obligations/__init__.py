"""Obligations with deadlines: their reminder schedule and the models of deadline changes."""
