"""Mailers: SMTP for real delivery, an outbox directory for the embedded default."""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from domain.identity.errors import MailNotSent
from domain.identity.ports import Mail

log = logging.getLogger("stadtkern.mail")


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    # A retried mail keeps its id, so mail systems (and our tests) can tell it is the same.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "stadtkern"
    message["Message-ID"] = f"<{mail.key or uuid.uuid4().hex}@{domain}>"
    message.set_content(mail.text)
    if mail.language:  # after set_content, which drops every Content-* header set before
        message["Content-Language"] = mail.language  # RFC 3282
    return message


class SmtpMailer:
    """`smtp://user:pass@host:587?starttls=1` or `smtps://user:pass@host:465`."""

    def __init__(self, url: str, sender: str, *, timeout: float = 10.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ValueError("SMTP URL must be smtp://host[:port] or smtps://host[:port]")
        self._implicit_tls = parsed.scheme == "smtps"
        self._host = parsed.hostname
        self._port = parsed.port or (465 if self._implicit_tls else 25)
        self._user = unquote(parsed.username) if parsed.username else None
        self._password = unquote(parsed.password) if parsed.password else None
        self._starttls = parse_qs(parsed.query).get("starttls", ["0"])[0] in ("1", "true")
        self._sender = sender
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._send, _message(mail, self._sender))
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail not sent", extra={"reason": type(exc).__name__})
            raise MailNotSent() from exc

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self._implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=context
            )
        else:
            client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with client:
            if self._starttls:
                client.starttls(context=context)
            if self._user:
                client.login(self._user, self._password or "")
            client.send_message(message)


class OutboxMailer:
    """Writes each mail into a directory: an .eml as SMTP would carry it and, because a
    token copied from its quoted-printable text carries `=3D` and soft line breaks, a .txt
    with the text as written. The log line names both files and, with `log_links`, the
    mail's links; never in production, where single-use tokens in logs would be a leak."""

    def __init__(self, directory: Path, sender: str, *, log_links: bool = True) -> None:
        self._directory = directory
        self._sender = sender
        self._log_links = log_links

    async def send(self, mail: Mail) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        stem = uuid.uuid4().hex
        text_path = self._directory / f"{stem}.txt"
        text_path.write_text(
            f"To: {mail.to}\nSubject: {mail.subject}\n\n{mail.text}", encoding="utf-8"
        )
        path = self._directory / f"{stem}.eml"
        path.write_bytes(bytes(_message(mail, self._sender)))
        extra: dict[str, object] = {
            "file": str(path),
            "text_file": str(text_path),
            "subject": mail.subject,
        }
        if self._log_links:
            extra["links"] = links_in(mail.text)
        log.info("mail written to outbox", extra=extra)


_LINK = re.compile(r"https?://[^\s<>\"']+")


def links_in(text: str) -> list[str]:
    """The web links of a mail text, without the punctuation that ends a sentence."""
    return [match.rstrip(".,;:!?)") for match in _LINK.findall(text)]
