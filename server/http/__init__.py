"""Where requests come in: the ASGI app, transport rules, prepared reads, health, playground."""
