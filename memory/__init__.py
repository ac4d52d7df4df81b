"""Three-tier memory: conversation, person and company.

Exports ``MemoryStore`` (remember, recall within a budget, per-turn relevance, edit, delete,
forget a user, company-claim promotion), ``MemoryExtractor`` (learning from a finished session
with one Claude call), ``Memory``, ``MemoryTier``, ``Speaker``, ``Line`` and ``COMPANY`` (the
subject of company-wide learnings). Built on ``core`` only.
"""

from memory.extraction import ExtractionResult, Line, MemoryExtractor, Speaker
from memory.store import COMPANY, Memory, MemoryStore, MemoryTier

__all__ = [
    "COMPANY",
    "ExtractionResult",
    "Line",
    "Memory",
    "MemoryExtractor",
    "MemoryStore",
    "MemoryTier",
    "Speaker",
]
