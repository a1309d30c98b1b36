"""The embedded library: SQLite (WAL, FTS5) as the source of truth, FAISS for the vectors, in one data directory."""
