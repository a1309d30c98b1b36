import pytest

from retrieval.activity import Activity
from retrieval.embedded.store import SqliteStore
from retrieval.records import Filters


@pytest.fixture
def activity(tmp_path):
    return Activity(SqliteStore(tmp_path / "db.sqlite3"))


def test_settings_default_then_update_per_server(activity):
    assert activity.settings(1).results is None
    activity.update(1, results=3, reply_style="thread")
    activity.update(1, min_score=0.6)
    s = activity.settings(1)
    assert (s.results, s.min_score, s.reply_style) == (3, 0.6, "thread")
    assert activity.settings(2).results is None


def test_unknown_setting_is_refused(activity):
    with pytest.raises(ValueError):
        activity.update(1, colour="red")


def test_channels_per_server(activity):
    activity.set_channel(1, 10, True)
    activity.set_channel(1, 11, True)
    activity.set_channel(1, 10, False)
    assert activity.settings(1).channels == [11]
    assert activity.channel_enabled(1, 11) and not activity.channel_enabled(2, 11)


def test_questions_feedback_and_stats_per_server(activity):
    q1 = activity.record_question(1, "answered one", True, 0.8, 3)
    activity.record_question(1, "a gap", False, 0.1, 0)
    activity.record_question(2, "other server", False, 0.1, 0)
    activity.record_feedback(q1, user_id=7, helpful=True)
    activity.record_feedback(q1, user_id=8, helpful=False)
    activity.record_feedback(q1, user_id=7, helpful=False)  # replaces the first vote
    stats = activity.stats(1)
    assert (stats.asked, stats.answered, stats.unanswered) == (2, 1, 1)
    assert (stats.helpful, stats.not_helpful) == (0, 2)
    assert [q for _, q in stats.latest_unanswered] == ["a gap"]
    assert sum(a + u for _, a, u in stats.per_day) == 2
    logged = activity.question(q1)
    assert (logged.guild_id, logged.question, logged.shown, logged.filters) == (1, "answered one", 3, Filters())
    filtered = activity.record_question(1, "q", True, 0.9, 2, Filters(("BBC",), "2024-01-01", ""))
    assert activity.question(filtered).filters == Filters(("BBC",), "2024-01-01", "")
