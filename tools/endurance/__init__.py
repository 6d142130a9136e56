"""The endurance run (issue #23): the region's life under load while processes die, then a tally.

A deployment as production runs it (rig.py): a PostgreSQL cluster of the
run's own for the read model, the Temporal dev server, `onboarding worker`
and `onboarding api` processes in production mode, an admin token from
`onboarding db admin-token`, and an SMTP relay that keeps what it gets. The
region is loaded through the API; a coordinator's token drives it (load.py)
while faults come at random (chaos.py): a worker SIGKILLed, an API
SIGKILLed, the dev server restarted on its file, PostgreSQL restarted with
`pg_ctl restart -m immediate`. After a quiet spell and `onboarding reconcile`,
the tally (tally.py) counts what was acknowledged against what was recorded
and sent; `python -m tools.endurance` exits 1 if an invariant broke.
"""
