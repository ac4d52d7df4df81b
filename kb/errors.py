"""Why a knowledge base operation was refused; every message tells the user what to do instead."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class; the message is fit to show the person who uploaded or asked."""


class UnsupportedDocumentType(KnowledgeError):
    """The file's type is not one we can read."""


class DocumentTooLarge(KnowledgeError):
    """The file (or what it unpacks to) is over the size limit."""


class DocumentTooComplex(KnowledgeError):
    """Reading the file took more processor time, memory or wall-clock time than one document may."""


class TooManyUploads(KnowledgeError):
    """The tenant already has as many uploads being read as it may have at once."""


class UnreadableDocument(KnowledgeError):
    """The file is empty, corrupt, encrypted, or holds no text we can extract."""


class KnowledgeBaseFull(KnowledgeError):
    """The tenant is at its document or chunk limit."""


class DocumentNotFound(KnowledgeError):
    """No document with that id in this tenant's knowledge base."""


class KnowledgeBusy(KnowledgeError):
    """Another change to the same tenant's knowledge base kept us waiting too long."""
