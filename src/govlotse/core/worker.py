"""The background worker: work that must not run inside a request, taken from queues in the database.

Domains register *jobs* (``register``): a job does one round of work in its own short transactions and
returns how many items it handled (0: nothing left). After a commit that queued work, ``kick`` wakes the
thread; without a kick it looks every ``POLL_SECONDS`` anyway, so work queued by another process (another
worker, the command line) or left over from a crash is found. Periodic chores (``every``) run on the same
thread. Because every queue is a table, a restart loses nothing, and several worker processes share the
queues (PostgreSQL: ``FOR UPDATE SKIP LOCKED`` or leases; see the jobs).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0
MAX_ROUNDS = 1000  # per job and wake-up; the rest waits for the next round

Job = Callable[[], int]


@dataclass
class _Chore:
    seconds: float
    run: Callable[[], object]
    due: float = 0.0


_jobs: dict[str, Job] = {}
_chores: dict[str, _Chore] = {}
_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None
_enabled = False


def register(name: str, job: Job) -> None:
    """Run ``job`` whenever the worker wakes, until it returns 0."""
    _jobs[name] = job


def every(name: str, seconds: float, chore: Callable[[], object]) -> None:
    """Run ``chore`` about every ``seconds`` (first shortly after start)."""
    _chores[name] = _Chore(seconds, chore)


def start() -> None:
    """Start the worker thread (the web app does this at start-up)."""
    global _thread, _enabled
    _enabled = True
    if _thread is not None and _thread.is_alive():
        return
    _stop.clear()
    _thread = threading.Thread(target=_run, name="govlotse-worker", daemon=True)
    _thread.start()
    _wake.set()  # work left over from a previous run


def stop(timeout: float = 5.0) -> None:
    """Stop the thread, then run every chore once more (e.g. write buffered counts)."""
    global _enabled
    _enabled = False
    _stop.set()
    _wake.set()
    if _thread is not None:
        _thread.join(timeout)
    for name, chore in list(_chores.items()):
        try:
            chore.run()
        except Exception:
            log.exception("final run of %s failed", name)


def is_running() -> bool:
    return _thread is not None and _thread.is_alive()


def kick() -> None:
    """New work was committed; wake the worker if it runs in this process."""
    if _enabled:
        _wake.set()


def drain(name: str) -> int:
    """Run one job until its queue is empty, in the calling thread; returns items handled."""
    job = _jobs[name]
    done = 0
    for _ in range(MAX_ROUNDS):
        n = job()
        done += n
        if n == 0 or _stop.is_set():
            break
    return done


def _next_wait() -> float:
    now = time.monotonic()
    return max(0.0, min([POLL_SECONDS, *(chore.due - now for chore in _chores.values())]))


def _run() -> None:
    while not _stop.is_set():
        _wake.wait(timeout=_next_wait())
        _wake.clear()
        if _stop.is_set():
            break
        for name in list(_jobs):
            try:
                drain(name)
            except Exception:  # keep the thread alive; the queue keeps the work
                log.exception("background job %s failed; will retry", name)
                _stop.wait(5)
        now = time.monotonic()
        for name, chore in list(_chores.items()):
            if now < chore.due:
                continue
            chore.due = now + chore.seconds
            try:
                chore.run()
            except Exception:
                log.exception("periodic job %s failed; will retry", name)
