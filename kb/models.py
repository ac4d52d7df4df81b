"""The values the knowledge base hands around: sections, chunks, documents and search snippets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class DocumentKind(StrEnum):
    TEXT = "txt"
    MARKDOWN = "md"
    PDF = "pdf"
    DOCX = "docx"


@dataclass(frozen=True)
class Section:
    """A run of body text under one heading path (a Markdown section, a DOCX heading, a PDF page)."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a document, small enough to quote into a prompt."""

    document_id: str
    document: str
    heading_path: tuple[str, ...]
    index: int
    text: str


@dataclass(frozen=True)
class Snippet:
    """A search hit: document content, never instructions, with where it came from.

    The brain wraps ``text`` as data in the prompt and cites ``citation`` when it answers.
    """

    text: str
    score: float
    document: str
    heading_path: tuple[str, ...]
    document_id: str
    chunk_index: int

    @property
    def citation(self) -> str:
        """``document > heading > subheading``: enough for a person to find the passage."""
        return " > ".join((self.document, *self.heading_path))


class Document(BaseModel):
    """A stored document's metadata (the original bytes live in the blob store)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    kind: DocumentKind
    size_bytes: int
    sha256: str
    chunk_count: int
    added_at: datetime


@dataclass(frozen=True)
class IngestResult:
    """What ``ingest`` did: the stored document, and whether it was already there (same bytes)."""

    document: Document
    duplicate: bool
