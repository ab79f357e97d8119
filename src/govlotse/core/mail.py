"""Outgoing e-mail: plain-text messages sent after the transaction commits.

With ``GOVLOTSE_SMTP_HOST`` set, mail goes to that SMTP server; without it (development, `make run`)
each message is written to ``var/mail/`` as an .eml file that any mail program opens. A message is
only sent once the request's transaction has committed, so a rolled-back registration mails nothing.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy.orm import Session

from govlotse.config import settings
from govlotse.core.models import utcnow
from govlotse.db import after_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def send(session: Session, mail: Mail) -> None:
    """Send ``mail`` once ``session`` commits (never for a rolled-back transaction)."""
    after_commit(session, lambda: deliver(mail))


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
