"""Choosing the library's backend, once, at start-up.

Without ``NEWSBOT_DATABASE_URL`` a library is files in the data directory (SQLite with FTS5,
FAISS): :class:`retrieval.library.Library`. With it, the library lives in PostgreSQL with
pgvector and several processes on several machines share it:
:class:`retrieval.pg.library.PgLibrary`. Both offer the same interface to the searcher, the
bot and the command line.
"""

from __future__ import annotations

from config.settings import Settings
from retrieval.embed import Encoder


def library_class(settings: Settings) -> type:
    """The library class the settings choose (``database_url`` chooses PostgreSQL)."""
    if settings.database_url:
        from retrieval.pg.library import PgLibrary

        return PgLibrary
    from retrieval.library import Library

    return Library


def open_library(settings: Settings, encoder: Encoder | None = None, *, repair: bool = True):
    """The library the settings point at: embedded, or in PostgreSQL.

    Args:
        settings: the operator's settings.
        encoder: the embedding model (default: the library's model).
        repair: run the cheap consistency check on open (``newsbot doctor`` opens without it).
    """
    return library_class(settings).from_settings(settings, encoder, repair=repair)


def reindex(settings: Settings) -> tuple[str, int]:
    """Re-embed every passage with the configured model, or the adapted one ``newsbot adapt``
    measured better; return the model's name and the passage count."""
    chosen = library_class(settings)
    model = chosen.prepare_reindex(settings)
    library = chosen.from_settings(settings)
    try:
        return model, library.reindex()
    finally:
        library.close()
