"""Answers a process keeps per database engine, the least recently used dropped first.

The dashboard's kept reports (report_cache.py: whole answers per state of the
read model; kept_reports.py: per-party answers under a mark of the log) both
keep a bounded number of answers for each engine a process talks to: one
lock-guarded LRU per engine, forgotten with the engine.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Engine


class _Answers:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: OrderedDict[Hashable, Any] = OrderedDict()


class KeptPerEngine:
    """At most `size` answers per engine, by key; the least recently used go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Answers] = weakref.WeakKeyDictionary()
        self._registry_lock = threading.Lock()

    def _answers(self, engine: Engine) -> _Answers:
        with self._registry_lock:
            found = self._by_engine.get(engine)
            if found is None:
                found = self._by_engine[engine] = _Answers()
            return found

    def get(self, engine: Engine, key: Hashable) -> Any | None:
        """The answer kept under `key` (now the most recently used), or None."""
        answers = self._answers(engine)
        with answers.lock:
            if key not in answers.kept:
                return None
            answers.kept.move_to_end(key)
            return answers.kept[key]

    def put(self, engine: Engine, key: Hashable, answer: Any) -> None:
        """Keep `answer` under `key`, dropping the least recently used beyond `size`."""
        answers = self._answers(engine)
        with answers.lock:
            answers.kept[key] = answer
            answers.kept.move_to_end(key)
            while len(answers.kept) > self.size:
                answers.kept.popitem(last=False)
