"""Knowledge base: each tenant's own documents, searchable on the voice path.

Owns parsing (.txt, .md, .pdf, .docx), chunking with heading paths for citations, the per-tenant
BM25 index (built on change, stored in the blob store, reloaded by every worker when its version
in Redis moves) and retrieval. Knows a tenant only by its id; builds on ``core`` only.

Exports ``KnowledgeBase`` (ingest, list, delete, search, starter documents), the values it returns
(``Snippet``, ``Document``, ``IngestResult``), its errors (``KnowledgeError`` and subclasses), the
limits, and ``check_upload`` to refuse a file by name and size before reading it.
"""

from kb.errors import (
    DocumentNotFound,
    DocumentTooComplex,
    DocumentTooLarge,
    KnowledgeBaseFull,
    KnowledgeBusy,
    KnowledgeError,
    TooManyUploads,
    UnreadableDocument,
    UnsupportedDocumentType,
)
from kb.limits import (
    MAX_CHUNKS_PER_TENANT,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS_PER_TENANT,
    MAX_QUERY_CHARS,
    ReadingLimits,
)
from kb.models import Document, DocumentKind, IngestResult, Snippet
from kb.parsing import SUPPORTED_EXTENSIONS, check_upload
from kb.service import KnowledgeBase

__all__ = [
    "MAX_CHUNKS_PER_TENANT",
    "MAX_DOCUMENTS_PER_TENANT",
    "MAX_DOCUMENT_BYTES",
    "MAX_QUERY_CHARS",
    "SUPPORTED_EXTENSIONS",
    "Document",
    "DocumentKind",
    "DocumentNotFound",
    "DocumentTooComplex",
    "DocumentTooLarge",
    "IngestResult",
    "KnowledgeBase",
    "KnowledgeBaseFull",
    "KnowledgeBusy",
    "KnowledgeError",
    "ReadingLimits",
    "Snippet",
    "TooManyUploads",
    "UnreadableDocument",
    "UnsupportedDocumentType",
    "check_upload",
]
