"""Two processes on one library: a writer and a reader that keeps running."""

import subprocess
import sys
import textwrap
import threading

from config.settings import PROJECT_ROOT
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.search import Searcher, SearchOptions
from tests.helpers import HashEncoder, doc

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from retrieval.embedded.library import EmbeddedLibrary
    from tests.helpers import HashEncoder, doc
    lib = EmbeddedLibrary(Path(sys.argv[1]), HashEncoder())
    if sys.argv[2] == "add":
        lib.add_documents([doc("The lighthouse keeper retired after forty years.", url="u-light", title="Keeper")])
    else:
        lib.remove(int(sys.argv[3]))
    lib.close()
""")


def run_writer(path, *args):
    subprocess.run([sys.executable, "-c", WRITER, str(path), *args], check=True, cwd=PROJECT_ROOT)


def test_reader_sees_another_process_add_and_remove_without_restart(tmp_path):
    reader = EmbeddedLibrary(tmp_path, HashEncoder())
    reader.add_documents([doc("The river flooded the valley on Monday.", url="u-river")])
    searcher = Searcher(reader)
    options = SearchOptions(min_score=0.0)
    assert all(h.article.url != "u-light" for h in searcher.ask("lighthouse keeper retired", options).hits)

    run_writer(tmp_path, "add")
    hits = searcher.ask("lighthouse keeper retired", options).hits
    assert hits[0].article.url == "u-light" and hits[0].dense > 0.5  # found by keyword and by vector

    run_writer(tmp_path, "remove", str(hits[0].article.id))
    assert all(h.article.url != "u-light" for h in searcher.ask("lighthouse keeper retired", options).hits)


class GatedEncoder(HashEncoder):
    """Embeds passages only once the test opens the gate (questions go straight through)."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = threading.Event()
        self.gate = threading.Event()

    def encode_with_spans(self, texts, spans):
        self.embedding.set()
        assert self.gate.wait(10)
        return super().encode_with_spans(texts, spans)


def test_questions_are_answered_while_an_import_is_embedding(tmp_path):
    encoder = GatedEncoder()
    library = EmbeddedLibrary(tmp_path, encoder)
    encoder.gate.set()
    library.add_documents([doc("The river flooded the valley on Monday.", url="u-river")])
    encoder.gate.clear()
    writer = threading.Thread(target=library.add_documents,
                              args=([doc("The lighthouse keeper retired after forty years.", url="u-light")],))
    writer.start()
    try:
        assert encoder.embedding.wait(10)
        answered = []
        reader = threading.Thread(target=lambda: answered.append(
            Searcher(library).ask("river flooded valley", SearchOptions(min_score=0.0))))
        reader.start()
        reader.join(5)
        assert answered and answered[0].hits[0].article.url == "u-river"  # not held up by the import
    finally:
        encoder.gate.set()
        writer.join(10)
    assert library.store.count("articles") == 2 and library.vectors.count == 2


def test_a_question_while_the_index_is_busy_gets_the_same_answer(tmp_path):
    library = EmbeddedLibrary(tmp_path, HashEncoder())
    library.add_documents([doc("The river flooded the valley on Monday.", url="u-river"),
                           doc("The lighthouse keeper retired after forty years.", url="u-light")])
    options = SearchOptions(min_score=0.0, group=False)
    calm = Searcher(library).ask("lighthouse keeper retired", options)
    held, release = threading.Event(), threading.Event()

    def hold_the_index():  # as an import does while it adds vectors and saves the index
        with library.lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_index)
    holder.start()
    assert held.wait(10)
    assert library.gather([1, 2], wait=False) is None  # the keyword side does not wait
    threading.Timer(0.2, release.set).start()
    busy = Searcher(library).ask("lighthouse keeper retired", options)
    holder.join()
    assert [(h.passage_id, h.dense) for h in busy.hits] == [(h.passage_id, h.dense) for h in calm.hits]
