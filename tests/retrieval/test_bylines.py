from retrieval import bylines as module
from retrieval.bylines import Bylines


def test_writers_are_read_again_after_a_change_while_reading_is_cheap():
    reads, version = [], [1]

    def read(scopes, limit):
        reads.append((tuple(scopes), limit))
        return [f"Writer {len(reads)}"]

    kept = Bylines(read, lambda: (version[0],))
    assert kept.writers([None, 7]) == ["Writer 1"] and reads == [((None, 7), module.READ)]
    assert kept.writers([None, 7]) == ["Writer 1"]  # unchanged library: no second read
    version[0] = 2
    assert kept.writers([None, 7]) == ["Writer 2"]  # changed, and the read was cheap


def test_a_slow_read_is_repeated_at_most_every_refresh_period(monkeypatch):
    clock, version = [0.0], [1]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])

    def slow(scopes, limit):
        clock[0] += 1.0  # a second to list the writers
        return [f"at {clock[0]:.0f}"]

    kept = Bylines(slow, lambda: (version[0],))
    assert kept.writers([None]) == ["at 1"]
    version[0] = 2
    clock[0] = 100.0
    assert kept.writers([None]) == ["at 1"]  # changed, but read a moment ago and slow to read
    clock[0] = 1000.0
    assert kept.writers([None]) == ["at 1001"]


def test_only_the_latest_scope_sets_are_kept(monkeypatch):
    monkeypatch.setattr(module, "SCOPES_KEPT", 2)
    reads = []
    kept = Bylines(lambda scopes, limit: reads.append(scopes) or [], lambda: (1,))
    for guild in (1, 2, 3, 1):
        kept.writers([None, guild])
    assert len(reads) == 4  # the first server's list had been dropped
