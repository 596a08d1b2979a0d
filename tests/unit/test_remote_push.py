"""The push to a remote parent, on fakes: what is sent, in which order, where the cursor
stands after success, failure and refusal, and what is never sent."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignOrigin,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Totals,
)
from domain.languages import LocalizedText
from domain.syndication.remote import PushPorts, RemoteTarget, push_to_remote
from tests.fakes import FixedClock
from tests.fakes_remote import FakeCampaignStates, FakeFeed, FakePushStates, FakeRemote

TENANT = uuid.UUID(int=0xA)
OTHER = uuid.UUID(int=0xB)
TARGET = RemoteTarget(
    "https://parent.example", "Kiezfonds", "https://kiezfonds.example/campaigns/{id}"
)
START = datetime(2026, 12, 1, tzinfo=UTC)


def campaign(
    number: int,
    status: CampaignStatus = CampaignStatus.LIVE,
    *,
    tenant: uuid.UUID = TENANT,
    pledged: int = 0,
    backers: int = 0,
    origin: CampaignOrigin | None = None,
) -> Campaign:
    return Campaign(
        id=uuid.UUID(int=0x1000 + number),
        tenant_id=tenant,
        owner_id=uuid.UUID(int=0x99),
        content=CampaignContent(title=LocalizedText.single("de", f"Kampagne {number}")),
        terms=CampaignTerms(
            goal=Money(500_00, "EUR"),
            funding_model=FundingModel.ALL_OR_NOTHING,
            starts_at=START,
            ends_at=START + timedelta(days=30),
        ),
        created_at=START,
        updated_at=START,
        status=status,
        totals=Totals(Money(pledged, "EUR"), backers),
        origin=origin,
    )


class Setup:
    def __init__(self) -> None:
        self.feed = FakeFeed()
        self.campaigns = FakeCampaignStates()
        self.states = FakePushStates()
        self.remote = FakeRemote()
        self.clock = FixedClock(START)
        self.ports = PushPorts(
            states=self.states,
            changes=self.feed,
            campaigns=self.campaigns,
            remote=self.remote,
            clock=self.clock,
            lease=timedelta(seconds=60),
            retry_base=5.0,
            retry_cap=600.0,
            jitter=lambda: 1.0,
        )

    def has(self, *found: Campaign) -> None:
        for c in found:
            self.campaigns.campaigns[c.id] = c

    async def push(self, worker: str = "w1", **options: int):  # type: ignore[no-untyped-def]
        return await push_to_remote(TENANT, TARGET, worker=worker, ports=self.ports, **options)

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.states.rows[TENANT]


@pytest.fixture
def setup() -> Setup:
    return Setup()


async def test_public_campaigns_are_put_in_feed_order_with_their_totals_and_origin(setup):
    first, second = campaign(1, pledged=120_00, backers=3), campaign(2, CampaignStatus.SUCCEEDED)
    setup.has(first, second)
    setup.feed.add("funding.campaign_created", second.id)
    setup.feed.add("funding.campaign_created", first.id)

    report = await setup.push()

    assert setup.remote.calls == [("PUT", str(second.id)), ("PUT", str(first.id))]
    sent = setup.remote.held[str(first.id)]
    assert sent.totals == Totals(Money(120_00, "EUR"), 3)
    assert sent.status is CampaignStatus.LIVE and sent.content == first.content
    assert sent.platform == "Kiezfonds"
    assert sent.pledge_url == f"https://kiezfonds.example/campaigns/{first.id}"
    assert report.pushed == 2 and report.caught_up
    assert setup.state.cursor == setup.feed.end and setup.state.failures == 0


async def test_the_cursor_moves_on_after_each_answered_call_only(setup):
    one, two, three = campaign(1), campaign(2), campaign(3)
    setup.has(one, two, three)
    positions = [setup.feed.add("funding.campaign_created", c.id) for c in (one, two, three)]
    setup.remote.down_after = 2  # the third call gets a 503

    report = await setup.push()

    assert setup.states.advances == positions[:2]
    assert setup.state.cursor == positions[1]
    assert report.pushed == 2 and report.error == "503 Service Unavailable"
    assert setup.state.failures == 1 and setup.state.last_error == "503 Service Unavailable"


async def test_after_a_failure_the_push_waits_with_backoff_then_resumes_from_the_same_entry(
    setup,
):
    one, two = campaign(1), campaign(2)
    setup.has(one, two)
    setup.feed.add("funding.campaign_created", one.id)
    setup.remote.down = True

    await setup.push()
    assert setup.remote.calls == []
    assert setup.state.cursor is None
    assert setup.state.next_attempt_at == START + timedelta(seconds=5)
    setup.clock.advance(seconds=4)
    assert not (await setup.push()).claimed  # not due yet
    setup.clock.advance(seconds=1)
    await setup.push()  # still down: the wait doubles
    assert setup.state.failures == 2
    assert setup.state.next_attempt_at == setup.clock.now() + timedelta(seconds=10)

    setup.remote.down = False
    setup.feed.add("funding.pledge_made", two.id, pledge_id=str(uuid.uuid4()))
    setup.clock.advance(seconds=10)
    report = await setup.push()

    assert setup.remote.calls == [("PUT", str(one.id)), ("PUT", str(two.id))]
    assert report.caught_up and setup.state.cursor == setup.feed.end
    assert setup.state.failures == 0 and setup.state.last_error is None


async def test_the_wait_between_tries_is_capped_and_the_push_never_gives_up(setup):
    setup.has(campaign(1))
    setup.feed.add("funding.campaign_created", campaign(1).id)
    setup.remote.down = True
    waits = []
    for _ in range(20):
        await setup.push()
        waits.append((setup.state.next_attempt_at - setup.clock.now()).total_seconds())
        setup.clock.at = setup.state.next_attempt_at
    assert setup.state.failures == 20
    assert waits[:4] == [5, 10, 20, 40] and max(waits) == 600 and waits[-1] == 600

    setup.remote.down = False
    await setup.push()

    assert setup.remote.calls == [("PUT", str(campaign(1).id))]


async def test_a_campaign_that_is_no_longer_public_or_gone_is_deleted(setup):
    cancelled, gone = campaign(1, CampaignStatus.CANCELLED), campaign(2)
    setup.has(cancelled)
    setup.feed.add("funding.campaign_status_changed", cancelled.id)
    setup.feed.add("funding.campaign_changed", gone.id)

    await setup.push()

    assert setup.remote.calls == [("DELETE", str(cancelled.id)), ("DELETE", str(gone.id))]


async def test_drafts_campaigns_in_review_and_other_tenants_campaigns_are_not_sent(setup):
    draft, review = campaign(1, CampaignStatus.DRAFT), campaign(2, CampaignStatus.IN_REVIEW)
    listed_here = campaign(3, tenant=OTHER)
    setup.has(draft, review, listed_here)
    for c in (draft, review, listed_here):
        setup.feed.add("funding.campaign_changed", c.id)

    report = await setup.push()

    assert setup.remote.calls == []
    assert report.skipped == 3 and setup.state.cursor == setup.feed.end


async def test_a_partners_campaign_is_never_pushed_upward(setup):
    theirs = campaign(
        1, origin=CampaignOrigin("n-17", "Nordstart", "https://nordstart.example/p/17")
    )
    setup.has(theirs)
    setup.feed.add("funding.campaign_created", theirs.id)
    withdrawn = uuid.UUID(int=0x2000)
    setup.feed.add("funding.campaign_deleted", withdrawn, external_id="n-18")

    await setup.push()

    assert setup.remote.calls == []
    assert setup.state.cursor == setup.feed.end


async def test_a_campaign_the_remote_refuses_is_recorded_and_passed_by(setup):
    refused, fine = campaign(1), campaign(2)
    setup.has(refused, fine)
    setup.feed.add("funding.campaign_created", refused.id)
    setup.feed.add("funding.campaign_created", fine.id)
    setup.remote.refuses = {str(refused.id)}

    report = await setup.push()

    assert setup.remote.calls == [("PUT", str(fine.id))]
    assert report.refused == 1 and report.pushed == 1 and report.caught_up
    assert setup.state.refusals == 1 and str(refused.id) in setup.state.last_refusal
    assert setup.state.failures == 0 and setup.state.cursor == setup.feed.end


async def test_many_changes_of_one_campaign_in_a_page_are_one_call_with_its_latest_state(setup):
    one, two = campaign(1), campaign(2)
    for _ in range(5):
        setup.feed.add("funding.pledge_made", one.id, pledge_id=str(uuid.uuid4()))
    setup.feed.add("funding.campaign_created", two.id)
    setup.feed.add("funding.pledge_made", one.id, pledge_id=str(uuid.uuid4()))
    setup.has(replace(one, totals=Totals(Money(60_00, "EUR"), 6)), two)

    await setup.push()

    assert setup.remote.calls == [("PUT", str(two.id)), ("PUT", str(one.id))]
    assert setup.remote.held[str(one.id)].totals.backers == 6


async def test_a_new_remote_is_sent_everything_from_the_beginning(setup):
    one = campaign(1)
    setup.has(one)
    setup.feed.add("funding.campaign_created", one.id)
    await setup.push()
    moved = replace(TARGET, name="https://other-parent.example")

    await push_to_remote(TENANT, moved, worker="w1", ports=setup.ports)

    assert setup.remote.calls == [("PUT", str(one.id)), ("PUT", str(one.id))]
    assert setup.state.target == "https://other-parent.example"


async def test_two_workers_never_push_one_tenant_at_once(setup):
    one = campaign(1)
    setup.has(one)
    setup.feed.add("funding.campaign_created", one.id)
    held = await setup.states.claim(TENANT, "w1", now=START, lease=timedelta(seconds=60))
    assert held is not None

    report = await setup.push(worker="w2")

    assert not report.claimed and setup.remote.calls == []
    setup.clock.advance(seconds=61)  # w1 died: its lease runs out
    assert (await setup.push(worker="w2")).pushed == 1


async def test_a_run_stops_after_its_share_of_calls_and_the_next_goes_on(setup):
    found = [campaign(n) for n in range(5)]
    setup.has(*found)
    for c in found:
        setup.feed.add("funding.campaign_created", c.id)

    first = await setup.push(max_calls=3)
    second = await setup.push(max_calls=3)

    assert first.pushed == 3 and not first.caught_up
    assert second.pushed == 2 and second.caught_up
    assert [i for _, i in setup.remote.calls] == [str(c.id) for c in found]


async def test_nothing_new_is_no_call(setup):
    report = await setup.push()
    assert report.claimed and report.caught_up and setup.remote.calls == []
    assert setup.state.cursor is None
