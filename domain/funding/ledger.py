"""The one way a pledge's payment state changes: conditionally on the version it was read at,
with the campaign's totals and the reward's stock following in the same transaction. Every
use case that moves a pledge (pledging, confirming, webhooks, settlement, refunds) goes
through `move_pledge`, so totals always equal the sum of the counted pledges, and every move
of the totals is told in the outbox (a status change, or `CampaignTotalsMoved`): the change
feed and a remote parent see each."""

from __future__ import annotations

from domain.funding.events import CampaignTotalsMoved, PledgeStatusChanged
from domain.funding.model import Pledge
from domain.funding.ports import FundingUnitOfWork


async def move_pledge(uow: FundingUnitOfWork, old: Pledge, new: Pledge) -> bool:
    """False when the pledge changed since `old` was read (nothing is written then)."""
    if not await uow.pledges.replace(new, expected_version=old.version):
        return False
    amount = new.counted_amount.amount - old.counted_amount.amount
    backers = int(new.counted) - int(old.counted)
    if amount or backers:
        await uow.campaigns.add_to_totals(new.campaign_id, amount, backers)
    if old.tier_id is not None and old.holds_reward and not new.holds_reward:
        await uow.tiers.release(old.tier_id)
    elif new.tier_id is not None and new.holds_reward and not old.holds_reward:
        # A late capture of a pledge that had failed: its unit again, if one is left.
        await uow.tiers.claim(new.tier_id, new.campaign_id)
    if new.status is old.status and (amount or backers):
        uow.record(
            CampaignTotalsMoved(
                tenant_id=uow.tenant_id,
                campaign_id=new.campaign_id,
                pledge_id=new.id,
                amount=amount,
                backers=backers,
            )
        )
    if new.status is not old.status:
        uow.record(
            PledgeStatusChanged(
                tenant_id=uow.tenant_id,
                pledge_id=new.id,
                campaign_id=new.campaign_id,
                old_status=old.status.value,
                new_status=new.status.value,
            )
        )
    return True
