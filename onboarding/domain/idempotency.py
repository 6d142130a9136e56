"""Idempotency: a repeated request gets its first answer, whatever happened since.

A client that lost an answer (a timeout, a worker restart, an update lost to
continue-as-new) repeats its request with the same idempotency key. The
workflow keeps the first answer under the key in its state, so the repeat
changes nothing and is answered exactly as the first request was. A key used
again for a different request is refused: it would otherwise be answered with
the outcome of another request.
"""

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from onboarding.domain.errors import RequestRejected


class Keyed(Protocol):
    """A request that may carry an idempotency key."""

    @property
    def idempotency_key(self) -> str | None: ...


Request = TypeVar("Request", bound=Keyed, contravariant=True)
Answer = TypeVar("Answer")


class FirstAnswers(Generic[Request, Answer]):
    """First answers by idempotency key, kept in `answers` (a dict of the workflow's state).

    `answers` is changed in place, oldest key first, and holds at most `kept`
    keys, so the state carried through continue-as-new stays bounded.
    `asked_for` and `answered` say what a request and an answer are about (a
    trigger, an event), to tell a repeat from a key used again for another
    request; both must say it in the same words.
    """

    def __init__(
        self,
        answers: dict[str, Answer],
        *,
        kept: int,
        asked_for: Callable[[Request], str],
        answered: Callable[[Answer], str],
    ) -> None:
        self.answers = answers
        self.kept = kept
        self._asked_for = asked_for
        self._answered = answered

    def repeat(self, request: Request) -> Answer | None:
        """The first answer if `request` repeats one; None for a new request.

        Raises RequestRejected (field `idempotency_key`) if its key was used for
        another request.
        """
        key = request.idempotency_key
        if key is None or key not in self.answers:
            return None
        first = self.answers[key]
        used_for = self._answered(first)
        if used_for != self._asked_for(request):
            raise RequestRejected(
                "idempotency_key", f"{key!r} was already used for {used_for}; use a new key"
            )
        return first

    def remember(self, request: Request, answer: Answer) -> None:
        """Keep `answer` as the answer to every repeat of `request` (no key: nothing kept)."""
        key = request.idempotency_key
        if key is None:
            return
        self.answers[key] = answer
        while len(self.answers) > self.kept:
            del self.answers[next(iter(self.answers))]
