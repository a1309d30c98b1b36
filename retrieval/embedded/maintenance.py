"""Keeping the embedded library healthy: the doctor's checks and repairs, and its online backup."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.adapt import IN_USE_KEY
from retrieval.embedded.store import DB_FILE
from retrieval.embedded.vectors import INDEX_FILE, MANIFEST_FILE, read_manifest
from retrieval.library import DoctorReport

if TYPE_CHECKING:
    from retrieval.embedded.library import EmbeddedLibrary

logger = logging.getLogger(__name__)


def doctor(library: EmbeddedLibrary) -> DoctorReport:
    """Check that SQLite, FTS5 and FAISS agree, and repair what SQLite can rebuild.

    Checks: integrity of the database; every passage has its keyword entry and nothing
    else is in the keyword index; every passage has its vector and the index has no
    orphan ids; the manifest names the configured model and the right count.

    Returns:
        The problems found and the repairs made.
    """
    report = DoctorReport()
    conn = library.store.connection
    with library.lock:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            report.problems.append(f"database integrity check failed: {integrity}")
        _check_keywords(library, report)
        if library.unreadable_index:
            report.problems.append(f"{library.unreadable_index} (set aside; rebuilt from the database)")
        manifest = read_manifest(library.data_dir)
        stale_manifest = manifest is not None and manifest.get("count") != library.vectors.count
        if manifest is not None and stale_manifest:
            report.problems.append(f"manifest counts {manifest.get('count')} vectors, the index holds "
                                   f"{library.vectors.count}")
        sync = library.sync(thorough=True)
        if sync.missing:
            report.problems.append(f"{sync.missing} passages had no vector")
            report.repairs.append(f"embedded {sync.missing} passages")
        if sync.orphans:
            report.problems.append(f"{sync.orphans} vectors had no passage")
            report.repairs.append(f"removed {sync.orphans} orphan vectors")
        if stale_manifest and sync.clean:
            library.vectors.save()  # sync saves on its own when it repairs
            report.repairs.append("rewrote the manifest")
    return report


def _check_keywords(library: EmbeddedLibrary, report: DoctorReport) -> None:
    conn = library.store.connection
    missing = [r[0] for r in conn.execute(
        "SELECT p.id FROM passages p WHERE p.id NOT IN (SELECT rowid FROM passages_fts)")]
    extra = [r[0] for r in conn.execute(
        "SELECT rowid FROM passages_fts WHERE rowid NOT IN (SELECT id FROM passages)")]
    if not missing and not extra:
        return
    report.problems.append(f"keyword index: {len(missing)} passages missing, {len(extra)} stale entries")
    with library.store.transaction() as tx:
        tx.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in extra])
        tx.execute(
            "INSERT INTO passages_fts (rowid, title, text) SELECT p.id, a.title, p.text FROM passages p"
            " JOIN articles a ON a.id = p.article_id WHERE p.id NOT IN (SELECT rowid FROM passages_fts)")
    report.repairs.append("rebuilt the keyword entries")


def backup(library: EmbeddedLibrary, directory: Path) -> Path:
    """A consistent copy of the library while it is in use: SQLite online backup, then the vectors
    (and the adapted model they were built with, if any).

    The copy opens like any library; if the vectors lag the database by a write, opening it
    embeds what is missing.

    Returns:
        The folder written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(directory / DB_FILE)
    try:
        library.store.connection.backup(target)
    finally:
        target.close()
    with library.lock:
        library.vectors.save()
        for name in (INDEX_FILE, MANIFEST_FILE):
            shutil.copy2(library.data_dir / name, directory / name)
    if (adapted := library.store.get_meta(IN_USE_KEY)) and (library.data_dir / adapted).is_dir():
        shutil.copytree(library.data_dir / adapted, directory / adapted, dirs_exist_ok=True)
    return directory
