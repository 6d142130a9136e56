"""History: the timeline of a municipality and the program's audit log, from every event source.

Why one module per source rather than one domain-event table every writer
appends to: the sources already are append-only tables written by the
workflows' activities (audit_event, correction, deadline_change, the
notification outbox), each with the columns its own reads need. A second,
generic copy would have to be written in the same transaction by every writer
(or drift), and would double the largest table. Instead each source maps its
rows onto the common `AuditEntry` (sources/), and `log.py` merges them in SQL
by recording time. A new kind of event (waves, checklist items) is one more
module in sources/ and one line in `SOURCES`.
"""
