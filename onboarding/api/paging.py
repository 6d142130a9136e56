"""Paging of the lists the API and the pages serve (the audit log, the notification outbox).

`?limit=` and `?offset=` mean the same on every list, and a value out of
range is refused as 422 naming it, not failed on as 500.
"""

from typing import Annotated

from fastapi import Query

# The largest page offset any list takes: far beyond any log or outbox, and inside
# what every database's OFFSET takes (SQLite and PostgreSQL: 64-bit).
MAX_OFFSET = 2**31 - 1
# The longest page a client may ask for.
MAX_LIMIT = 1_000

#: `?offset=`: how many entries to skip
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
#: `?limit=`: how many entries a page holds
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
