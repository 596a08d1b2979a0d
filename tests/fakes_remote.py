"""In-memory fakes of the remote push's ports: the feed, the campaigns, the push state and a
remote parent that keeps what it was sent (and can be down, or refuse one campaign)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.funding.model import Campaign
from domain.syndication.feed import Change
from domain.syndication.partner import PartnerCampaign
from domain.syndication.remote import PushState, RemoteRefused, RemoteUnavailable


class FakeFeed:
    """The tenant's change feed: changes appended in commit order."""

    def __init__(self) -> None:
        self.rows: list[Change] = []
        self.reads = 0

    def add(self, event_type: str, campaign_id: UUID, **payload: Any) -> str:
        row_id = len(self.rows) + 1
        self.rows.append(
            Change(
                xact=1000 + row_id,
                row_id=row_id,
                event_type=event_type,
                payload={"campaign_id": str(campaign_id), **payload},
                occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
            )
        )
        return f"{1000 + row_id}.{row_id}"

    @property
    def end(self) -> str:
        last = self.rows[-1]
        return f"{last.xact}.{last.row_id}"

    async def changes(
        self, event_types: list[str], after: tuple[int, int] | None, *, limit: int
    ) -> list[Change]:
        self.reads += 1
        found = [
            c
            for c in self.rows
            if c.event_type in event_types and (after is None or (c.xact, c.row_id) > after)
        ]
        return found[:limit]


class FakeCampaignStates:
    def __init__(self) -> None:
        self.campaigns: dict[UUID, Campaign] = {}

    async def campaigns_by_ids(self, ids: list[UUID]) -> Mapping[UUID, Campaign]:
        return {i: self.campaigns[i] for i in ids if i in self.campaigns}


class FakePushStates:
    def __init__(self) -> None:
        self.rows: dict[UUID, PushState] = {}
        self.holder: dict[UUID, str] = {}
        self.advances: list[str] = []

    async def claim(
        self, tenant_id: UUID, worker: str, *, now: datetime, lease: timedelta
    ) -> PushState | None:
        state = self.rows.setdefault(tenant_id, PushState(tenant_id, None, None))
        if state.locked_until is not None and state.locked_until >= now:
            return None
        if state.next_attempt_at is not None and state.next_attempt_at > now:
            return None
        state = replace(state, locked_until=now + lease)
        self.rows[tenant_id] = state
        self.holder[tenant_id] = worker
        return state

    async def advance(
        self,
        tenant_id: UUID,
        worker: str,
        cursor: str,
        *,
        target: str,
        now: datetime,
        lease: timedelta,
        pushed: bool,
        refusal: str | None = None,
    ) -> bool:
        if self.holder.get(tenant_id) != worker:
            return False
        state = self.rows[tenant_id]
        state = replace(state, cursor=cursor, target=target, locked_until=now + lease)
        if pushed:
            state = replace(state, pushed_at=now)
        if refusal is not None:
            state = replace(state, refusals=state.refusals + 1, last_refusal=refusal)
        self.rows[tenant_id] = state
        self.advances.append(cursor)
        return True

    async def release(
        self,
        tenant_id: UUID,
        worker: str,
        *,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        if self.holder.get(tenant_id) != worker:
            return
        del self.holder[tenant_id]
        state = replace(self.rows[tenant_id], locked_until=None)
        if error is None:
            state = replace(state, failures=0, next_attempt_at=None, last_error=None)
        else:
            state = replace(
                state, failures=state.failures + 1, next_attempt_at=retry_at, last_error=error
            )
        self.rows[tenant_id] = state

    async def get(self, tenant_id: UUID) -> PushState | None:
        return self.rows.get(tenant_id)


class FakeRemote:
    """A parent that holds what it was sent by external id. `down` makes every call fail;
    `down_after` lets that many calls through first; `refuses` names ids it refuses."""

    def __init__(self) -> None:
        self.held: dict[str, PartnerCampaign] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False
        self.down_after: int | None = None
        self.refuses: set[str] = set()

    def _answer(self, method: str, external_id: str) -> None:
        if self.down:
            raise RemoteUnavailable("connection refused")
        if self.down_after is not None:
            if self.down_after == 0:
                raise RemoteUnavailable("503 Service Unavailable", retry_after=None)
            self.down_after -= 1
        if external_id in self.refuses:
            raise RemoteRefused("422 invalid-input; title.en: not a language of this tenant")
        self.calls.append((method, external_id))

    async def put_campaign(self, campaign: PartnerCampaign) -> None:
        self._answer("PUT", campaign.external_id)
        self.held[campaign.external_id] = campaign

    async def delete_campaign(self, external_id: str) -> None:
        self._answer("DELETE", external_id)
        self.held.pop(external_id, None)
