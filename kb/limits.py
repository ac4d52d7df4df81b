"""Limits that keep one tenant's knowledge base small enough to search on the voice path."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ReadingLimits:
    """What reading one upload may cost (each is read in its own worker process, see ``kb.workers``).

    A worker over a limit is killed and the upload refused with the reason; nothing is stored. A
    10 MB document of ordinary text reads in a few seconds, far inside these.
    """

    cpu_seconds: int = 60
    """Processor time for parsing and chunking one document (the kernel's RLIMIT_CPU)."""
    memory_bytes: int = 512 * 1_048_576
    """Memory a worker may add to what it starts with (RLIMIT_AS): a .docx whose text unpacks to
    ~40 MB of XML fits; every worker at once stays within ``workers`` times this."""
    wall_seconds: float = 120.0
    """Time from start to answer, however busy the machine; the worker is killed after it."""
    workers: int = 8
    """Uploads one app process reads at once; more wait for a free worker. Workers run below the
    server's priority, so even all of them busy leave the processor to calls and requests."""
    per_tenant: int = 2
    """Uploads of one tenant read at once, across every app process: far fewer than ``workers``,
    so that neither one tenant nor a few can take them all and make the others wait. More are
    refused at once with a request to wait."""
