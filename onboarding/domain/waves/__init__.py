"""Production waves: members, go-live checklist, readiness and what blocks it."""
