"""Writes answer from their use case: registering and editing a business, over REST and
GraphQL, touch the directory's tables in one transaction, and nothing reads the business back
after it commits."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event

from domain.tenancy.model import CategorySeed, Feature
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

DIRECTORY_TABLES = re.compile(r"\b(businesses|business_roles|business_categories|search_entries)\b")
READ_OF_A_BUSINESS = re.compile(r"^\s*SELECT\b.*\bFROM businesses\b", re.DOTALL)


@dataclass
class Transaction:
    statements: list[str] = field(default_factory=list)
    ended: str = ""  # COMMIT or ROLLBACK


@dataclass
class Recorder:
    """The statements the engine runs, by transaction. Transactions are told apart by their
    connection, since the in-process worker runs its own beside the request's."""

    transactions: list[Transaction] = field(default_factory=list)
    _open: dict[int, Transaction] = field(default_factory=dict)

    def begin(self, conn) -> None:  # type: ignore[no-untyped-def]
        self._open[id(conn)] = Transaction()
        self.transactions.append(self._open[id(conn)])

    def end(self, conn, how: str) -> None:  # type: ignore[no-untyped-def]
        if (transaction := self._open.pop(id(conn), None)) is not None:
            transaction.ended = how

    def statement(self, conn, statement: str) -> None:  # type: ignore[no-untyped-def]
        if (transaction := self._open.get(id(conn))) is not None:
            transaction.statements.append(statement)

    def directory_transactions(self) -> list[Transaction]:
        return [
            t for t in self.transactions if any(DIRECTORY_TABLES.search(s) for s in t.statements)
        ]


def record_statements(services) -> Recorder:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    engine = services.engine.sync_engine
    event.listen(engine, "begin", recorder.begin)
    event.listen(engine, "commit", lambda conn: recorder.end(conn, "COMMIT"))
    event.listen(engine, "rollback", lambda conn: recorder.end(conn, "ROLLBACK"))
    event.listen(
        engine, "before_cursor_execute", lambda conn, _c, sql, *_: recorder.statement(conn, sql)
    )
    return recorder


async def _rest_register(client, owner) -> str:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/businesses", headers=owner, json={"name": "Laden", "kind": "retail"}
    )
    assert made.status_code == 201 and made.json()["your_role"] == "owner", made.text
    return made.json()["id"]


async def _rest_edit(client, owner, business: str) -> None:  # type: ignore[no-untyped-def]
    edited = await client.patch(
        f"/v1/businesses/{business}", headers=owner, json={"description": "Neu"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == "Neu" and edited.json()["your_role"] == "owner"


async def _graphql(client, owner, query: str, **variables) -> dict:  # type: ignore[no-untyped-def]
    answer = await client.post(
        "/graphql", headers=owner, json={"query": query, "variables": variables}
    )
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return answer.json()["data"]


async def _graphql_register(client, owner) -> str:  # type: ignore[no-untyped-def]
    made = await _graphql(
        client,
        owner,
        'mutation { registerBusiness(input: {name: "Laden", kind: RETAIL}) '
        "{ business { id yourRole } errors { code } } }",
    )
    payload = made["registerBusiness"]
    assert payload["errors"] == [] and payload["business"]["yourRole"] == "OWNER", payload
    return payload["business"]["id"]


async def _graphql_edit(client, owner, business: str) -> None:  # type: ignore[no-untyped-def]
    edited = await _graphql(
        client,
        owner,
        'mutation($id: UUID!) { updateBusiness(id: $id, patch: {description: "Neu"}) '
        "{ business { description yourRole } errors { code } } }",
        id=business,
    )
    payload = edited["updateBusiness"]
    assert payload["errors"] == [] and payload["business"]["description"] == "Neu", payload
    assert payload["business"]["yourRole"] == "OWNER"


Register = Callable[..., Awaitable[str]]
Edit = Callable[..., Awaitable[None]]


@pytest.mark.parametrize(
    ("register", "edit"),
    [(_rest_register, _rest_edit), (_graphql_register, _graphql_edit)],
    ids=["rest", "graphql"],
)
async def test_registering_and_editing_a_business_take_one_transaction_each(
    services, client, register: Register, edit: Edit
):
    await seed_tenants(
        services,
        tenant_config(
            "home",
            features=frozenset({Feature.BUSINESSES}),
            categories=(CategorySeed("food", "Essen"),),
        ),
    )
    owner = as_user(await sign_up_and_log_in(client, "home", "owner@example.org"), "home")
    recorder = record_statements(services)

    business = await register(client, owner)
    registration = recorder.directory_transactions()
    recorder.transactions.clear()
    await edit(client, owner, business)
    edit_transactions = recorder.directory_transactions()

    assert len(registration) == 1, [t.statements for t in registration]
    assert registration[0].ended == "COMMIT"
    # The answer (with the caller's role) came from the use case: nothing read it back.
    assert not [s for s in registration[0].statements if READ_OF_A_BUSINESS.match(s)]
    assert len(edit_transactions) == 1, [t.statements for t in edit_transactions]
    assert edit_transactions[0].ended == "COMMIT"
    # The business is read once, in the transaction that writes it.
    reads = [s for s in edit_transactions[0].statements if READ_OF_A_BUSINESS.match(s)]
    assert len(reads) == 1, edit_transactions[0].statements
