"""The SMTP mailer against a real SMTP server running in-process on loopback (aiosmtpd)."""

import re
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from adapters.mail import MailNotSent, SmtpMailer
from api.app import create_app
from domain.identity.ports import Mail
from tests.conftest import client_for, make_settings, seed_tenants, settle
from tests.factories import tenant_config


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


async def test_a_mail_arrives_at_the_smtp_server(smtp_server):
    inbox, url = smtp_server
    await SmtpMailer(url, "Stadtkern <noreply@stadtkern.test>").send(
        Mail("ada@example.org", "Hello", "Body text\n")
    )
    [message] = inbox.messages
    assert message["To"] == "ada@example.org" and message["Subject"] == "Hello"
    assert "Body text" in message.get_payload(decode=True).decode()


async def test_an_unreachable_smtp_server_is_a_clear_failure():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(MailNotSent):
        await SmtpMailer(f"smtp://127.0.0.1:{port}", "x@y.zz", timeout=2).send(
            Mail("ada@example.org", "Hello", "Body")
        )


async def test_sign_up_mails_a_working_verification_link_over_smtp(smtp_server, services):
    inbox, url = smtp_server
    await seed_tenants(services, tenant_config("leipzig"))
    app = create_app(make_settings(services.settings.database_url, smtp_url=url))
    async for client in client_for(app):
        body = {"email": "ada@example.org", "password": "a long passphrase", "display_name": "Ada"}
        signed = await client.post("/v1/auth/signup", headers={"X-Tenant": "leipzig"}, json=body)
        assert signed.status_code == 202
        await settle(app.state.services)
        [message] = inbox.messages
        token = token_in_text(message.get_payload(decode=True).decode())
        verified = await client.post(
            "/v1/auth/verify-email", headers={"X-Tenant": "leipzig"}, json={"token": token}
        )
        assert verified.status_code == 204


def token_in_text(text: str) -> str:
    return re.search(r"token=(\S+)", text).group(1)  # type: ignore[union-attr]
