"""Signed webhooks: endpoints admins register, events the operations emit, deliveries the
worker relays (docs/integration.md, "Webhooks")."""
