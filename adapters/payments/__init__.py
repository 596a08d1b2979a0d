"""Payment gateways behind funding's ports: Stripe (cards saved, charged off-session) and bank
transfer (a reference to quote, confirmed by an admin)."""
