"""Choosing the library's storage backend, once, at start-up; and what crosses backends.

Without ``NEWSBOT_DATABASE_URL`` a library is files in the data directory (SQLite with FTS5,
FAISS): :class:`retrieval.embedded.library.EmbeddedLibrary`. With it, the library lives in
PostgreSQL with pgvector and several processes on several machines share it:
:class:`retrieval.pg.library.PgLibrary`. Both keep the contract of :mod:`retrieval.library`; this
is the one module that names both.
"""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings
from retrieval.copying import copy_library
from retrieval.encoder import Encoder
from retrieval.errors import BadInputError
from retrieval.library import Library


def library_class(settings: Settings) -> type[Library]:
    """The library class the settings choose (``database_url`` chooses PostgreSQL)."""
    if settings.database_url:
        from retrieval.pg.library import PgLibrary

        return PgLibrary
    from retrieval.embedded.library import EmbeddedLibrary

    return EmbeddedLibrary


def open_library(settings: Settings, encoder: Encoder | None = None, *, repair: bool = True) -> Library:
    """The library the settings point at: embedded, or in PostgreSQL.

    Args:
        settings: the operator's settings.
        encoder: the embedding model (default: the library's model).
        repair: run the cheap consistency check on open (``newsbot doctor`` opens without it).
    """
    return library_class(settings).from_settings(settings, encoder, repair=repair)


def open_embedded(directory: Path, encoder: Encoder) -> Library:
    """The embedded library in ``directory`` (created if needed), on ``encoder``."""
    from retrieval.embedded.library import EmbeddedLibrary

    return EmbeddedLibrary(directory, encoder)


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


def backup(library: Library, directory: Path) -> Path:
    """A consistent copy of ``library`` in ``directory`` as an embedded library, safe while in use.

    A library with files of its own copies them (the embedded one: SQLite's online backup, then
    the vectors); any other is copied article by article, from one snapshot, into a new embedded
    library (no model run), which ``newsbot migrate`` can load back.

    Returns:
        The folder written.

    Raises:
        BadInputError: ``directory`` is a file, the library's own folder, or holds a library already.
    """
    if directory.exists() and not directory.is_dir():
        raise BadInputError(f"{directory} is a file: a backup is a folder")
    if library.data_dir is not None and directory.resolve() == library.data_dir.resolve():
        raise BadInputError(f"{directory} is the library's own folder: back up into another one")
    if directory.is_dir() and any(directory.iterdir()):
        raise BadInputError(f"{directory} is not empty: back up into a new or empty folder")
    if (written := library.file_backup(directory)) is not None:
        return written
    target = open_embedded(directory, library.encoder)
    try:
        copy_library(library, target)
    finally:
        target.close()
    return directory
