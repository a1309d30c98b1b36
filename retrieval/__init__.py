"""The retrieval library: ingest, chunk, embed, index and search news articles.

A pure library: it never imports ``discord``.
"""
