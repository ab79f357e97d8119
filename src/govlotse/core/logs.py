"""Logging: readable text for development, JSON lines for production; every line carries the request id.

``configure`` is called by each server process (``govlotse serve``, also per worker). The request id comes
from the reverse proxy's ``X-Request-ID`` header when it is well-formed, else a new one; the app returns it
in the response header of the same name and in every log line written while the request runs, so a user's
error report ("Fehler-ID") and the proxy's log can be joined with the application's.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# Attributes of every LogRecord; anything else passed with ``extra=`` becomes a JSON field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def request_id_from(header: str | None) -> str:
    """The proxy's request id if it looks like one, else a fresh random id."""
    if header and _VALID_ID.match(header):
        return header
    return uuid.uuid4().hex[:16]


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            out["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in out and key != "request_id":
                out[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")


def configure(fmt: str, level: str) -> None:
    """Send every log line to stderr in ``fmt`` ("json" or "text"); replaces earlier handlers of the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own lines take the same way
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
