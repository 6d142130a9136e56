"""The demo region: the real rollout of DOMAIN.md as backdated records (`onboarding up --demo`).

rollout.py reads the facts (onboarding/data/demo-rollout.json); loader.py
records them through the REST API, as a coordinator would.
"""
