"""Outgoing e-mail: plain-text messages, kept in an outbox table until they are delivered.

``send`` writes the message to ``mail_outbox`` in the caller's transaction, so a rolled-back registration
mails nothing and a committed one is never lost. Right after the commit the same process delivers it; if
that fails (SMTP server down) or the process dies first, the background worker (govlotse.core.worker)
retries once the row's lease has passed, with growing pauses, and gives up after ``MAX_ATTEMPTS`` (the row
stays, counted by /readyz and /metrics). Delivery is at-least-once: a crash between handing a message to
the SMTP server and deleting its row sends it again.

With ``GOVLOTSE_SMTP_HOST`` set, mail goes to that SMTP server; without it (development, `make run`)
each message is written to ``var/mail/`` as an .eml file that any mail program opens.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from govlotse.config import settings
from govlotse.core import worker
from govlotse.core.models import Base, UTCDateTime, utcnow
from govlotse.db import after_commit, unit_of_work

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # how long a claimed message is left to the process that claimed it
MAX_ATTEMPTS = 8  # pauses 1, 2, 4 … 128 minutes: about four hours of trying
BATCH = 20


class OutboxMail(Base):
    """A message waiting for delivery (deleted once the SMTP server took it)."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    def mail(self) -> Mail:
        return Mail(to=self.recipient, subject=self.subject, body=self.body)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def send(session: Session, mail: Mail) -> None:
    """Put ``mail`` in the outbox; it goes out once ``session`` commits (never for a rolled-back transaction)."""
    row = OutboxMail(recipient=mail.to, subject=mail.subject[:300], body=mail.body, due_at=utcnow() + LEASE)
    session.add(row)
    session.flush()
    key = (_database(session), row.id)
    after_commit(session, lambda: _deliver_committed(key, mail))


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


# Outbox rows delivered right after their commit, by database; the worker deletes them.
_delivered: list[tuple[str, int]] = []
_delivered_lock = threading.Lock()


def _deliver_committed(key: tuple[str, int], mail: Mail) -> None:
    """Deliver a just-committed message at once; on failure its row stays for the worker to retry."""
    try:
        deliver(mail)
    except Exception as exc:
        log.warning("mail to %s not delivered (%s); the outbox will retry", mail.to, exc)
        return
    with _delivered_lock:
        _delivered.append(key)
    worker.kick()


def forget_delivered() -> None:
    """Delete the rows of messages delivered right after their commit (the worker, and at shutdown)."""
    with _delivered_lock:
        done = list(_delivered)
        _delivered.clear()
    if done:
        with unit_of_work(writes=True) as session:
            here = _database(session)
            ids = [row_id for database, row_id in done if database == here]
            if ids:
                session.execute(delete(OutboxMail).where(OutboxMail.id.in_(ids)))


def _pause(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def outbox_round() -> int:
    """One round of the outbox worker: forget delivered rows, claim due ones, deliver, record the outcome.

    No transaction stays open while the SMTP server is talked to: claiming moves a row's ``due_at`` a lease
    ahead (so another worker leaves it alone), and the outcome is written afterwards.
    """
    forget_delivered()
    now = utcnow()
    with unit_of_work(writes=True) as session:  # reads the due rows, then claims them
        stmt = (
            select(OutboxMail)
            .where(OutboxMail.due_at <= now, OutboxMail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMail.id)
            .limit(BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = list(session.scalars(stmt))
        for row in claimed:
            row.due_at = now + LEASE
            row.attempts += 1
        work = [(row.id, row.attempts, row.mail()) for row in claimed]
    sent: list[int] = []
    failed: list[tuple[int, int, str]] = []
    for row_id, attempts, mail in work:
        try:
            deliver(mail)
            sent.append(row_id)
        except Exception as exc:
            failed.append((row_id, attempts, f"{type(exc).__name__}: {exc}"[:500]))
            level = logging.ERROR if attempts >= MAX_ATTEMPTS else logging.WARNING
            log.log(level, "mail to %s failed (attempt %d of %d): %s", mail.to, attempts, MAX_ATTEMPTS, exc)
    if sent or failed:
        with unit_of_work(writes=True) as session:
            if sent:
                session.execute(delete(OutboxMail).where(OutboxMail.id.in_(sent)))
            for row_id, attempts, error in failed:
                session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id == row_id)
                    .values(due_at=utcnow() + _pause(attempts), last_error=error)
                )
    return len(work)


def outbox_counts(session: Session) -> tuple[int, int]:
    """(messages waiting, messages given up on)."""
    waiting = session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.attempts < MAX_ATTEMPTS))
    dead = session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.attempts >= MAX_ATTEMPTS))
    return int(waiting or 0), int(dead or 0)


worker.register("mail", outbox_round)
worker.every("mail-bookkeeping", 60, forget_delivered)  # also runs once at shutdown


def link(path: str) -> str:
    """An absolute link for an e-mail."""
    return settings.base_url.rstrip("/") + path


def _message(mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="govlotse")
    msg.set_content(mail.body)
    return msg


def deliver(mail: Mail) -> None:
    """Hand one message to the SMTP server, or write it to var/mail/ when none is configured."""
    msg = _message(mail)
    if not settings.smtp_host:
        folder = Path(settings.var_dir) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{utcnow():%Y%m%dT%H%M%S%f}.eml"
        path.write_bytes(bytes(msg))
        log.warning("no SMTP server configured: mail to %s written to %s", mail.to, path)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)
    log.info("mail sent to %s: %s", mail.to, mail.subject)
