"""Core services every other package stands on.

Owns: settings (``core.settings``), the Redis connection with its embedded default (``core.redis``),
the Redis key layout, tenant id rule and session ids (``core.keys``), the blob store
(``core.blobs``), secret encryption (``core.secretbox``), logging with redaction (``core.logs``) and
atomic rate limiting (``core.ratelimit``). It imports nothing of the project.
"""
