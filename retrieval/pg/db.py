"""The PostgreSQL connection pool, rows that read by name and by position, and numpy vectors as
pgvector's ``vector`` type (binary, both ways).

Modules that keep tables in both backends (:mod:`retrieval.activity`, :mod:`retrieval.feed_store`)
write portable SQL with ``?`` placeholders; :class:`Connection` turns them into psycopg's
``%s`` so the same statements run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool

from config.secrets import redact, url_secrets
from retrieval.errors import StoreError

logger = logging.getLogger(__name__)


class Row(tuple):
    """A result row readable by position and by column name (as ``sqlite3.Row``)."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._names)


def row_factory(cursor: psycopg.Cursor):
    """psycopg row factory making :class:`Row` objects."""
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    kind = type("Row", (Row,), {"_names": names})
    return lambda values: kind(values)


class VectorDumper(Dumper):
    """numpy float arrays as pgvector's binary ``vector``: dimension, 0, then big-endian float4s."""

    format = Format.BINARY

    def dump(self, obj: np.ndarray) -> bytes:
        return struct.pack(">HH", len(obj), 0) + np.asarray(obj, dtype=">f4").tobytes()


class VectorLoader(Loader):
    """pgvector's binary ``vector`` as a float32 numpy array."""

    format = Format.BINARY

    def load(self, data) -> np.ndarray:
        dim = struct.unpack_from(">H", data)[0]
        return np.frombuffer(bytes(data), dtype=">f4", count=dim, offset=4).astype(np.float32)


class VectorTextLoader(Loader):
    """pgvector's text ``vector`` (``[1,2,3]``) as a float32 numpy array (binary queries avoid it)."""

    def load(self, data) -> np.ndarray:
        return np.array(bytes(data)[1:-1].split(b","), dtype=np.float32)


def register_vector(conn: psycopg.Connection) -> None:
    """Send and read numpy arrays as ``vector`` on this connection (the extension must exist)."""
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise StoreError("the pgvector extension is not installed in this database")
    info.register(conn)
    conn.adapters.register_dumper(np.ndarray, type("VectorDumper", (VectorDumper,), {"oid": info.oid}))
    conn.adapters.register_loader(info.oid, VectorLoader)
    conn.adapters.register_loader(info.oid, VectorTextLoader)


def portable(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` kept)."""
    return sql.replace("%", "%%").replace("?", "%s")


class Connection:
    """A psycopg connection that takes the portable SQL of :mod:`retrieval.activity` (``?``)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        """Run one statement; the cursor holds its rows."""
        return self.raw.execute(portable(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        with self.raw.cursor() as cursor:
            cursor.executemany(portable(sql), [tuple(r) for r in rows])


class Database:
    """A pool of connections to one PostgreSQL database (threads borrow one at a time)."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        """Connect to ``url`` (any libpq URI, unix sockets included).

        Raises:
            StoreError: the server cannot be reached.
        """
        self.url = url
        self.pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False,
                                   kwargs={"autocommit": True, "row_factory": row_factory},
                                   configure=self._configure, name="newsbot")
        try:
            self.pool.open(wait=True, timeout=15)
        except Exception as exc:  # psycopg's errors and the pool's own timeout
            raise connection_error(exc, url) from None

    @staticmethod
    def _configure(conn: psycopg.Connection) -> None:
        register_vector(conn)  # the database is migrated before the pool opens

    def close(self) -> None:
        """Close every connection."""
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection of the pool, in autocommit mode."""
        with self.pool.connection() as conn:
            yield conn

    def fetchall(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> list[Row]:
        """Rows of one statement (``%s`` placeholders); ``binary``: results in binary (vectors)."""
        with self.pool.connection() as conn:
            return cast(list[Row], conn.execute(sql, params, binary=binary).fetchall())  # the pool's row_factory

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one statement, or None."""
        with self.pool.connection() as conn:
            return cast(Row | None, conn.execute(sql, params).fetchone())

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the one row a statement always returns (a count, a setting)."""
        with self.pool.connection() as conn:
            return first_value(conn.execute(sql, params))

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction, committed on success and rolled back on error."""
        with self.pool.connection() as conn, conn.transaction():
            yield conn


def connection_error(exc: Exception, url: str) -> StoreError:
    """A readable error for a failed connection, with the URL's password (in any form) redacted: libpq
    may repeat a badly encoded password in its message."""
    return StoreError(f"cannot connect to the database: {redact(str(exc), url_secrets(url))}")


def first_value(cursor: Any) -> Any:
    """The first column of the first row of ``cursor``, for statements that always return a row.

    Raises:
        StoreError: the statement returned no row.
    """
    row = cursor.fetchone()
    if row is None:
        raise StoreError("the database returned no row where one was expected")
    return row[0]
