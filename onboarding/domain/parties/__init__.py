"""A party on its road to go-live: transitions, state, deadlines, corrections, obligations."""
