"""The background indexer: takes records from the index queue after each commit.

Edits never wait for embeddings: the service queues the record in its own transaction, and this
thread embeds it moments later. The queue lives in the database, so nothing is lost if the process
stops; the next start (or `govlotse index rebuild`) finishes the work.
"""

from __future__ import annotations

import logging
import threading

from govlotse.db import unit_of_work

log = logging.getLogger(__name__)

_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None
_enabled = False


def start() -> None:
    """Start the worker thread (the web app does this at start-up)."""
    global _thread, _enabled
    _enabled = True
    if _thread is not None and _thread.is_alive():
        return
    _stop.clear()
    _thread = threading.Thread(target=_run, name="govlotse-indexer", daemon=True)
    _thread.start()
    _wake.set()  # work left over from a previous run


def stop(timeout: float = 5.0) -> None:
    global _enabled
    _enabled = False
    _stop.set()
    _wake.set()
    if _thread is not None:
        _thread.join(timeout)


def kick() -> None:
    """New work was committed; wake the worker if it runs in this process."""
    if _enabled:
        _wake.set()


def drain(max_rounds: int = 1000) -> int:
    """Process the queue until it is empty, in the calling thread; returns records indexed."""
    from govlotse.matching import index

    done = 0
    for _ in range(max_rounds):
        with unit_of_work() as session:
            n = index.process_queue(session)
        done += n
        if n == 0:
            break
    return done


def _run() -> None:
    while not _stop.is_set():
        _wake.wait(timeout=30)
        _wake.clear()
        if _stop.is_set():
            break
        try:
            drain()
        except Exception:  # keep the thread alive; the queue keeps the work
            log.exception("background indexing failed; will retry")
            _stop.wait(5)
