"""The command line, end to end on the seed library with the real model."""

import io
import json

import pytest

from bot.cli import main
from tests.conftest import need_eval_data


@pytest.fixture
def run(tmp_path, capsys):
    data = tmp_path / "data"

    def invoke(*args: str, stdin: str | None = None):
        if stdin is not None:
            import sys
            sys.stdin = io.StringIO(stdin)
        code = main(["--data-dir", str(data), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return invoke


def test_ask_cites_the_depot_and_json_contract(run):
    code, out, _ = run("ask", "Where did the North Korean containers go?", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["answered"] is True and isinstance(data["took_ms"], float)
    top = data["results"][0]
    assert "Tikhoretsk" in top["text"] and "Tikhoretsk" in top["highlight"]
    assert set(top["article"]) == {"id", "title", "source", "author", "date", "url"}
    cited = [a for r in data["results"] for a in (r["article"], *r["also_reported_by"])]
    assert any(a["source"] == "BBC" and a["author"] == "Matt Murphy" for a in cited)

    code, out, _ = run("ask", "-", "--json", "--k", "2",
                       stdin="How did the equipment travel from North Korea to Russia?\n\nHow do I bake banana bread?\n")
    lines = [json.loads(line) for line in out.splitlines()]  # one output line per input line, the blank one too
    assert [line.get("answered") for line in lines] == [True, None, False] and "error" in lines[1]
    assert len(lines[0]["results"]) <= 2 and lines[2]["results"] == []

    code, out, _ = run("ask", "Where did the North Korean containers go?")
    assert code == 0 and "Tikhoretsk" in out and "paragraph" in out

    code, out, _ = run("list")
    assert code == 0 and "North Korea provided Russia with weapons, White House says" in out
    article_id = int(out.splitlines()[0].split()[0])
    code, out, _ = run("remove", str(article_id))
    assert code == 0 and out.startswith(f"removed {article_id}")
    code, out, _ = run("list")
    assert out.count("\n") == 2  # one article and the summary line


def test_eval_on_seed_questions_passes(run):
    questions = need_eval_data("seed_dev_questions.jsonl")
    code, out, _ = run("eval", str(questions))
    assert code == 0, out
    assert "10/10" in out and "2/2" in out


def test_bad_arguments_are_one_line_errors(run, tmp_path):
    assert run("list")[0] == 0  # the library made (and said so) first
    code, _, err = run("ask", "   ")
    assert code == 2 and err.strip() == "newsbot: error: the question is empty"
    code, _, err = run("ask", "hello", "--k", "11")
    assert code == 2 and "between 1 and 10" in err
    code, _, err = run("eval", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl" in err
    code, _, err = run("remove", "12345")
    assert code == 2 and "No article with id 12345" in err


def test_ingest_prints_summary_and_failures(run, tmp_path):
    (tmp_path / "a.txt").write_text("Flood hits town\n\nThe river flooded the town on Monday, officials said.\n")
    (tmp_path / "b.txt").write_bytes(b"")
    code, out, _ = run("ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert code == 0
    assert "failed: " in out and "file is empty" in out
    assert out.strip().endswith("added 1, updated 0, unchanged 0, failed 1")


def test_doctor_export_backup_commands(run, tmp_path):
    code, out, _ = run("doctor")
    assert code == 0 and "library is healthy" in out  # an empty library is healthy
    run("ingest", str(tmp_path.parent / "nothing-here"))
    (tmp_path / "a.txt").write_text("Flood hits town\n\nThe river flooded the town on Monday, officials said.\n")
    run("ingest", str(tmp_path / "a.txt"))
    code, out, _ = run("export", str(tmp_path / "out.jsonl"))
    assert code == 0 and out.startswith("exported 1 articles")
    assert json.loads((tmp_path / "out.jsonl").read_text())["title"] == "Flood hits town"
    code, out, _ = run("backup", str(tmp_path / "bak"))
    assert code == 0 and (tmp_path / "bak" / "library.sqlite3").exists()
    (tmp_path / "data" / "vectors.faiss").unlink()  # lose the index: doctor rebuilds it from SQLite
    (tmp_path / "data" / "vectors.json").unlink()
    code, out, _ = run("doctor")
    assert code == 1 and "passages had no vector" in out and "repaired: embedded" in out
    code, out, _ = run("doctor")
    assert code == 0


def test_filters_on_the_command_line(run):
    code, out, _ = run("ask", "How many containers has Pyongyang supplied?", "--json", "--source", "bbc")
    data = json.loads(out)
    assert data["answered"] and {r["article"]["source"] for r in data["results"]} == {"BBC"}
    code, out, _ = run("ask", "How many containers has Pyongyang supplied?", "--json", "--author", "matt murphy")
    assert {r["article"]["author"] for r in json.loads(out)["results"]} == {"Matt Murphy"}
    code, out, _ = run("ask", "How many containers?", "--json", "--since", "2025-01-01")
    assert json.loads(out)["answered"] is False
    code, _, err = run("ask", "containers", "--since", "someday")
    assert code == 2 and "cannot read the date" in err


def test_start_without_token_is_the_console(run):
    code, out, err = run("start", stdin="Where did the North Korean containers go?\nHow do I bake banana bread?\n\n")
    assert code == 0 and "DISCORD_TOKEN is not set" in err
    assert "newsbot console: 2 articles" in out
    assert "Tikhoretsk" in out and "The library does not cover this question." in out


def test_run_without_token_is_one_line(run):
    code, _, err = run("run")
    assert code == 2 and err.count("\n") == 1 and "DISCORD_TOKEN" in err


def test_ingest_by_link_and_followed_feeds(run, monkeypatch):
    from tests.web_server import sample_story, site_in_thread

    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW", "127.0.0.1")
    with site_in_thread(*(sample_story(n) for n in (1, 2, 3))) as site:
        code, out, _ = run("ingest", f"{site.base}/news/story-1", f"{site.base}/news/missing")
        assert code == 0 and "added 1" in out and "failed: " in out and "HTTP 404" in out
        code, out, _ = run("feeds", "add", site.add_feed("harbour", "Harbour news", ["story-2", "story-1"]))
        assert code == 0 and "following 1: Harbour news (2 entries now" in out
        code, out, _ = run("feeds", "poll")
        assert code == 0 and "Harbour news: 2 entries, 2 new: added 1, unchanged 1" in out
        code, out, _ = run("feeds", "list")
        assert "Harbour news" in out and "1 added" in out
        code, out, _ = run("feeds", "add", f"{site.base}/news/story-3")
        assert code == 2 and out == ""
        code, out, _ = run("feeds", "remove", "1")
        assert code == 0 and "stopped following 1" in out
        code, out, _ = run("ask", "Which day of the harbour strike did talks resume?", "--json")
        assert json.loads(out)["answered"]
    monkeypatch.delenv("NEWSBOT_FETCH_ALLOW")
    code, out, _ = run("ingest", "http://127.0.0.1:9/news/x")
    assert code == 1 and "127.0.0.1 is a loopback address" in out


def test_hostile_feeds_are_added_and_polled_in_seconds_with_a_reason_each(run, monkeypatch):
    import html
    import time

    from tests.web_server import sample_story, site_in_thread

    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("NEWSBOT_PARSE_SECONDS", "5")
    flood = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Flood</title><entry>"
             f"<title>Entry</title><id>e1</id><content type='text'>{html.escape('<script' * 50_000)}</content>"
             "</entry></feed>").encode()
    bomb = (b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'ha'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
            b"<rss version='2.0'><channel><title>Bomb</title><item><title>x</title><description>&b;</description>"
            b"</item></channel></rss>")
    with site_in_thread(sample_story(1)) as site:
        started = time.monotonic()
        code, out, _ = run("feeds", "add", site.add_raw("flood.xml", flood, "application/atom+xml"))
        assert code == 0 and "following 1: Flood (1 entries now" in out
        code, out, err = run("feeds", "add", site.add_raw("bomb.xml", bomb))
        assert code == 2 and "declares XML entities" in err
        code, out, _ = run("feeds", "poll")
        assert code == 0 and "Flood: 1 entries, 1 new: added 1" in out
        assert time.monotonic() - started < 30


def test_ask_as_of_a_day_before_the_seeds_uses_only_undated_articles(run):
    code, out, _ = run("ask", "Where did the North Korean containers go?", "--json", "--as-of", "2024-09-19")
    cited = [a for r in json.loads(out)["results"] for a in (r["article"], *r["also_reported_by"])]
    assert code == 0 and cited and all(a["date"] in ("", "2024-09-19") or a["date"] < "2024-09-20" for a in cited)
    code, _, err = run("ask", "containers", "--as-of", "not a day")
    assert code == 2 and "cannot read the date" in err


def test_ask_json_lines_may_carry_their_own_asking_time(run):
    lines = ('{"question": "Where did the North Korean containers go?", "as_of": "2024-09-19"}\n'
             "Where did the North Korean containers go?\n"
             '{"question": "Where did they go?", "as_of": "tomorrowish"}\n')
    code, out, _ = run("ask", "-", "--json", stdin=lines)
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert all(r["article"]["date"] != "2024-09-20" for r in first["results"])
    assert any(r["article"]["date"] == "2024-09-20" for r in second["results"])
    assert "cannot read the date" in third["error"] and code == 2


def test_stories_lists_the_seed_story_as_json_lines_and_rebuilds_the_same(run, tmp_path):
    story_file = tmp_path / "later.jsonl"
    story_file.write_text(json.dumps({"title": "Harbour strike ends", "source": "Port Gazette", "date": "2024-05-03",
                                      "url": "https://port.example/strike",
                                      "text": "Dock workers at the Lindholm harbour ended their strike on Tuesday "
                                              "after the port agreed to a pay rise."}) + "\n")
    assert run("list")[0] == 0  # the new library, with the seeds
    assert run("ingest", str(story_file))[0] == 0
    code, out, _ = run("stories", "--json")
    stories = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [len(s["articles"]) for s in stories] == [2, 1]  # newest report first
    seeds = stories[0]  # BBC and CNN on the shipments: one story
    assert stories[1]["title"] == "Harbour strike ends"
    assert {a["source"] for a in seeds["articles"]} >= {"BBC"}
    assert set(seeds["articles"][0]) == {"id", "url", "title", "date", "source"}
    code, rebuilt, err = run("stories", "--json", "--rebuild")
    assert rebuilt == out and "formed the stories again from 3 articles" in err
    code, text, _ = run("stories", "--until", "2024-06-01")
    assert text.startswith("story ") and "Harbour strike ends" in text and "North Korea" not in text
    code, _, err = run("stories", "--since", "2024-06-01", "--until", "2024-05-01")
    assert code != 0 and "after --until" in err and "Traceback" not in err


def test_a_timeline_day_cites_the_publisher_or_else_the_headline():
    from bot.cli import timeline_entry_text
    from retrieval.records import Article
    from retrieval.timeline import TimelineEntry

    wire = Article(id=1, title="Flood", source="Daily", author="", date="2024-01-02", url="https://d/1", path="")
    file = Article(id=2, title="Bridge opens", source="", author="", date="2024-01-02", url="", path="/lib/b.txt")
    text = timeline_entry_text(TimelineEntry("2024-01-02", ["The river rose."], [wire, file]))
    assert text.splitlines() == ["2024-01-02", "  • The river rose.",
                                 "    (Daily, 2024-01-02 <https://d/1>; “Bridge opens”, 2024-01-02 </lib/b.txt>)"]
