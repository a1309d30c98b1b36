"""The BBC set's 98 duplicate pairs, published twice by different outlets: one result each, citing both."""

import hashlib
from collections import defaultdict

import pytest

from retrieval.embedded.library import EmbeddedLibrary
from retrieval.parsers import read_path
from retrieval.search import Searcher, SearchOptions
from tests.conftest import need_eval_data


def duplicate_pairs(folder):
    by_hash = defaultdict(list)
    for path in sorted(folder.rglob("*.txt")):
        if path.name != "README.TXT":
            by_hash[hashlib.sha256(path.read_bytes()).hexdigest()].append(path)
    return [paths[:2] for paths in by_hash.values() if len(paths) >= 2]


@pytest.mark.slow
def test_duplicate_pairs_become_one_result_with_both_sources(tmp_path, real_encoder):
    pairs = duplicate_pairs(need_eval_data("bbc-news", "bbc"))
    assert len(pairs) == 98
    library = EmbeddedLibrary(tmp_path, real_encoder)
    docs = []
    for number, (first, second) in enumerate(pairs):
        a, b = next(read_path(first, max_bytes=10**7)), next(read_path(second, max_bytes=10**7))
        a.source, a.date, a.url = "BBC", "2005-01-01", f"https://bbc.example/{number}"
        # the same story re-published a day later by another outlet, with its own credit line
        b.source, b.date, b.url = "Wire", "2005-01-02", f"https://wire.example/{number}"
        b.text = b.text.replace("\n\n", " (Wire)\n\n", 1) if "\n\n" in b.text else b.text + " (Wire)"
        docs += [a, b]
    assert library.add_documents(docs).count("added") == 196
    searcher = Searcher(library)
    grouped = 0
    for number, (first, _) in enumerate(pairs):
        headline = first.read_text(encoding="latin-1").splitlines()[0]
        top = searcher.ask(headline, SearchOptions(min_score=0.0)).hits[0]
        cited = [top.article.url] + [a.url for a in top.also_reported_by]
        if cited[:2] == [f"https://bbc.example/{number}", f"https://wire.example/{number}"]:
            grouped += 1
    print(f"{grouped} of 98 duplicate pairs grouped")
    assert grouped >= 95, f"only {grouped} of 98 pairs became one result citing both, earliest first"
