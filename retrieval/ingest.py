"""Ingesting files and folders into the library, with a per-file report.

Every file is read on its own: one that cannot be used is reported with its reason and
the rest of the batch goes in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.library import Library
from retrieval.parsers import SUPPORTED_SUFFIXES, ParseFailure, read_path
from retrieval.records import Document

logger = logging.getLogger(__name__)

BATCH_DOCUMENTS = 64
SAVE_EVERY_BATCHES = 8


@dataclass(slots=True)
class IngestReport:
    """The outcome of an ingest run."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[ParseFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """How many files or lines failed."""
        return len(self.failures)

    def summary(self) -> str:
        """One line: added, updated, unchanged, failed."""
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"failed {self.failed}")


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[ParseFailure]]:
    """Files to read: the given files, and supported files inside the given folders (sorted).

    Returns:
        The files, and failures for paths that do not exist.
    """
    files: list[Path] = []
    failures: list[ParseFailure] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p)))
        elif path.is_file():
            files.append(path)
        else:
            failures.append(ParseFailure(str(path), "no such file or folder"))
    return files, failures


def _wanted(path: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.parts[-1:])
    return not hidden and path.suffix.lower() in SUPPORTED_SUFFIXES and path.name.upper() != "README.TXT"


def read_documents(files: list[Path], max_bytes: int) -> Iterator[Document | ParseFailure]:
    """Parse each file in turn."""
    for path in files:
        yield from read_path(path, max_bytes=max_bytes)


def ingest(library: Library, paths: Iterable[Path], *, max_bytes: int, guild_id: int | None = None,
           progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest files and folders.

    Args:
        library: where the articles go.
        paths: files and folders.
        max_bytes: the size limit per file.
        guild_id: the owning Discord server (None: the global library).
        progress: called with the number of files or lines just handled.

    Returns:
        The report.
    """
    files, failures = expand_paths(paths)
    report = IngestReport(failures=failures)
    return ingest_documents(library, read_documents(files, max_bytes), report, guild_id, progress)


def ingest_documents(library: Library, items: Iterable[Document | ParseFailure],
                     report: IngestReport | None = None, guild_id: int | None = None,
                     progress: Callable[[int], None] | None = None) -> IngestReport:
    """Add parsed documents in batches, counting outcomes and failures."""
    report = report or IngestReport()
    batch: list[Document] = []
    batches = 0
    for item in items:
        if isinstance(item, ParseFailure):
            logger.warning("skipped %s: %s", item.path, item.reason)
            report.failures.append(item)
            if progress:
                progress(1)
            continue
        batch.append(item)
        if len(batch) >= BATCH_DOCUMENTS:
            batches += 1
            _flush(library, batch, report, guild_id, save=batches % SAVE_EVERY_BATCHES == 0)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _flush(library, batch, report, guild_id, save=False)
        if progress:
            progress(len(batch))
    library.save()
    return report


def _flush(library: Library, batch: list[Document], report: IngestReport, guild_id: int | None,
           save: bool) -> None:
    for status in library.add_documents(batch, guild_id, save=save):
        setattr(report, status, getattr(report, status) + 1)


def ensure_seeded(library: Library, seeds_dir: Path, max_bytes: int) -> IngestReport | None:
    """Fill a library that has never held anything from the seed articles.

    A library that was emptied on purpose is not refilled.

    Returns:
        The ingest report, or None when nothing was done.
    """
    if library.store.get_meta("seeded"):
        return None
    report = None
    if library.is_empty() and seeds_dir.is_dir():
        logger.info("empty library: adding the seed articles from %s", seeds_dir)
        report = ingest(library, [seeds_dir], max_bytes=max_bytes)
    library.store.set_meta("seeded", "1")
    return report
