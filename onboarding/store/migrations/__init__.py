"""Alembic migrations of the read model: env.py, the script template and versions/.

Run them with `onboarding db upgrade` (onboarding/store/schema.py); add one with
`make revision MESSAGE="..."` after changing a table (see deploy/README.md).
"""
