"""The demo region: the real rollout as backdated records (`onboarding up --demo`).

What the data is and where its facts come from: docs/demo-region.md.

rollout.py reads the facts (onboarding/data/demo-rollout.json); loader.py
records them through the REST API, as a coordinator would.
"""
