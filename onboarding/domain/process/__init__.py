"""The onboarding process: its stages, triggers, evidence rules and transition table."""
