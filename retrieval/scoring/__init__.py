"""Scoring shared by both storage backends: BM25 constants and word choice, and FTS5's tokenizer."""
