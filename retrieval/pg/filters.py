"""Scopes and filters as PostgreSQL conditions on articles ``a``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from retrieval.records import Filters


def scope_list(guild_ids: Iterable[int | None]) -> list[int]:
    """Scopes as stored (the global library is 0)."""
    return [g or 0 for g in guild_ids]


def filter_sql(filters: Filters, guild_ids: Iterable[int | None]) -> tuple[str, list]:
    """A condition on articles ``a`` (scope and filters) and its parameters."""
    clauses: list[str] = ["a.scope = ANY(%s)"]
    params: list[Any] = [scope_list(guild_ids)]
    if filters.sources:
        clauses.append("lower(a.source) = ANY(%s)")
        params.append([s.lower() for s in filters.sources])
    if filters.authors:
        clauses.append("EXISTS (SELECT 1 FROM unnest(%s::text[]) AS n(name) WHERE strpos(lower(a.author), n.name) > 0)")
        params.append([name.lower() for name in filters.authors])
    for operator, day, undated in filters.date_limits():
        kept = f"(a.date = '' OR a.date {operator} %s)" if undated else f"a.date <> '' AND a.date {operator} %s"
        clauses.append(kept)
        params.append(day)
    if filters.exclude:
        clauses.append("NOT ((CASE WHEN a.url <> '' THEN a.url ELSE a.path END) = ANY(%s))")
        params.append(list(filters.exclude))
    return " AND ".join(clauses), params
