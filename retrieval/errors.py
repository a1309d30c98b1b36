"""The small exception hierarchy of the retrieval library."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every error newsbot reports to people; the message is readable as is."""


class BadInputError(NewsbotError):
    """A file or a question that cannot be used (empty, binary, too large, malformed)."""


class ModelMismatchError(NewsbotError):
    """The vector index was built with another embedding model than the configured one."""


class ArticleNotFoundError(NewsbotError):
    """No article with that id in the caller's scope."""


class StoreError(NewsbotError):
    """The store is unusable (locked too long, corrupt, unwritable)."""
