"""Logging set-up for the services: readable text, or one JSON object per line.

JSON lines carry `workflow_id` and `municipality` whenever the record knows
them: the SDK's workflow and activity loggers attach the workflow's details
(`temporal_workflow` / `temporal_activity`), and the municipality is read
from the workflow id (`municipality-<number>`) or given as `extra`.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from onboarding.settings import Settings

_WORKFLOW_PREFIX = "municipality-"
# Attributes every LogRecord has; anything else was passed as `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and what is known."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        temporal = _temporal_details(record)
        workflow_id = temporal.get("workflow_id")
        if workflow_id is not None:
            entry["workflow_id"] = workflow_id
            if workflow_id.startswith(_WORKFLOW_PREFIX):
                entry["municipality"] = workflow_id.removeprefix(_WORKFLOW_PREFIX)
        for key in ("workflow_type", "run_id", "workflow_run_id", "activity_type", "attempt"):
            if key in temporal:
                entry[key] = temporal[key]
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("temporal_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _temporal_details(record: logging.LogRecord) -> dict[str, Any]:
    for name in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, name, None)
        if isinstance(details, dict):
            return details
    return {}


def configure_logging(settings: Settings) -> None:
    """Send the root logger's records to stderr in `settings.log_format` at `log_level`."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Chatter at INFO that says nothing to an operator: Alembic names its dialect
    # on every schema check; the transitions library logs each state callback.
    for noisy in ("alembic.runtime.migration", "transitions"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
