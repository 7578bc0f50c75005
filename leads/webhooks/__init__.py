"""Webhooks for other sales tools: subscriptions, the delivery outbox, signing and sending."""
