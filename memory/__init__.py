"""Three-tier memory: conversation, person and company.

Exports ``MemoryStore`` (remember, recall within a budget, delete, forget a user), ``Memory``,
``MemoryTier`` and ``COMPANY`` (the subject of company-wide learnings). Built on ``core`` only.
"""

from memory.store import COMPANY, Memory, MemoryStore, MemoryTier

__all__ = ["COMPANY", "Memory", "MemoryStore", "MemoryTier"]
