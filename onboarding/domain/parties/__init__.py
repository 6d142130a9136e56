"""A party on its road to go-live: its identity, transitions, state and corrections."""
