"""Limits that keep one tenant's knowledge base small enough to search on the voice path."""

from __future__ import annotations

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""Largest upload we accept; bigger manuals should be split by chapter."""

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest total a DOCX (a zip) may unpack to: refuses zip bombs before a parser opens them."""

MAX_DOCUMENTS_PER_TENANT = 500
"""Documents one tenant may keep."""

MAX_CHUNKS_PER_TENANT = 20_000
"""Chunks one tenant's index may hold: search time grows with it (about 0.5 ms at this size)."""

MAX_QUERY_CHARS = 1_000
"""Longer queries are cut: a search question never needs more, and every extra term costs time."""
