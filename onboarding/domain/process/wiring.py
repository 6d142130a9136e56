"""Rows every process table shares: pause and resume, and withdraw.

Pause and resume are the engine's own mechanics: `resume` returns to the stage
the party was paused from, one guarded row per pausable stage (the condition
`paused_from_<stage>` is the machine's). Withdraw leaves from any stage before
the end.
"""

from collections.abc import Iterable

from onboarding.domain.vocabulary import Stage, Trigger


def pause_and_resume(pausable: Iterable[Stage]) -> list[dict[str, object]]:
    """The pause row from every pausable stage, and one guarded resume row back to each."""
    stages = list(pausable)
    rows: list[dict[str, object]] = [
        {"trigger": Trigger.PAUSE, "source": stages, "dest": Stage.PAUSED},
    ]
    rows += [
        {
            "trigger": Trigger.RESUME,
            "source": Stage.PAUSED,
            "dest": stage,
            "conditions": f"paused_from_{stage.value}",
        }
        for stage in stages
    ]
    return rows


def withdraw_from(stages: Iterable[Stage], terminal: Iterable[Stage]) -> dict[str, object]:
    """The withdraw row: from every stage that is not terminal."""
    ends = set(terminal)
    return {
        "trigger": Trigger.WITHDRAW,
        "source": [s for s in stages if s not in ends],
        "dest": Stage.WITHDRAWN,
    }
