"""A limit on failed sign-ins per client address, so tokens cannot be guessed in bulk.

A token has 256 random bits, so guessing is hopeless anyway; the limit keeps
someone from trying (and from filling the log) all the same. It counts failed
attempts in a sliding window per address and answers 429 with Retry-After
once the window is full. The count lives in the API process: with several
replicas each keeps its own (the proxy in front should limit too).
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

ATTEMPTS = 5
WINDOW_SECONDS = 60.0


@dataclass
class SignInLimiter:
    """At most `attempts` failed sign-ins per client address within `window` seconds."""

    attempts: int = ATTEMPTS
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None if it may try now."""
        now = self.clock()
        with self._lock:
            recent = self._recent(client, now)
            if len(recent) < self.attempts:
                return None
            return max(1, math.ceil(recent[0] + self.window - now))

    def failed(self, client: str) -> None:
        """Count a failed sign-in of `client`."""
        now = self.clock()
        with self._lock:
            self._recent(client, now).append(now)

    def _recent(self, client: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(client, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        # Forget quiet addresses, so the table stays as small as the attack.
        for other in [key for key, times in self._failures.items() if not times and key != client]:
            del self._failures[other]
        return recent
