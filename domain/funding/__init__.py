"""Funding: campaigns, reward tiers and pledges (local crowdfunding with vouchers as rewards)."""
