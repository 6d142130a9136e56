"""SQLModel tables of the read model and the append-only logs, a module per aggregate.

parties.py        municipality, audit_event, correction, workflow_run
obligations.py    obligation, deadline_change
waves.py          wave, wave_member, wave_event, checklist_completion
access.py         api_token, token_event, web_session, sso_sign_in
contacts.py       contact, contact_change
notifications.py  notification (the outbox)
reforms.py        reform, party_succession, party_region_period (municipal reforms, #20)
actor.py          the actor columns of the seven append-only event tables

Table names are the database's and never follow a class rename: every class
names its `__tablename__`. The append-only tables refuse UPDATE and DELETE at
the database (store/database.py, APPEND_ONLY_TABLES).
"""
