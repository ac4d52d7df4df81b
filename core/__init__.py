"""Core services every other package stands on.

Owns: settings (``core.settings``), the Redis connection with its embedded default (``core.redis``),
the blob store (``core.blobs``), secret encryption (``core.secretbox``), logging with redaction
(``core.logs``) and atomic rate limiting (``core.ratelimit``). It imports nothing of the project.
"""
