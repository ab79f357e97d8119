"""Background indexing: the worker (govlotse.core.worker) takes records from the index queue after each commit.

Edits never wait for embeddings: the service queues the record in its own transaction, and the worker
embeds it moments later. The queue lives in the database, so nothing is lost if the process stops; the
next start (or `govlotse index rebuild`) finishes the work. Several processes share the queue
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

from govlotse.core import worker
from govlotse.db import unit_of_work


def index_round() -> int:
    """Index one batch of queued records in its own transaction; returns how many were taken.

    The round writes, so on SQLite it takes the write lock when its transaction begins (``unit_of_work(writes=True)``):
    a deferred transaction read the queue, and when a request committed while the batch was embedded, its first
    write failed at once with "database is locked"."""
    from govlotse.matching import index

    with unit_of_work(writes=True) as session:
        return index.process_queue(session)


def refresh_round() -> int:
    """After indexing (jobs run in order) and on every wake-up, at least every ``REFRESH_SECONDS``: bring this
    process's in-process copies of the index up to date before a search needs them, also after an edit made through
    another process. The first round of a process loads the index; later rounds read nothing while the process holds
    no copy. Returns 0: one round per wake-up."""
    global _warm
    from govlotse.matching import engine
    from govlotse.matching import text as textmod
    from govlotse.matching.embedder import get_embedder

    first = _warm
    _warm = False
    with unit_of_work() as session:
        if first:  # the first round of a process loads the index, so that its first search need not
            engine.warm_up(session, get_embedder().name)
        engine.refresh_memory(session)
    if first:  # and the word list compounds are split with, which needs no transaction
        textmod.warm_up()
    return 0


_warm = True


REFRESH_SECONDS = 5.0

worker.register("index", index_round)
worker.register("search-memory", refresh_round)
# The chore only wakes the worker: every wake-up runs the jobs, this one among them (running it here too would
# refresh twice).
worker.every("search-memory", REFRESH_SECONDS, lambda: None)
