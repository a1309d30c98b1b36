"""The ``newsbot`` command line: ingest, ask, list, remove, reindex, eval, console, run."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from config import secrets
from config.settings import Settings, SettingsError, load_settings, unknown_variables
from retrieval.errors import NewsbotError

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="library folder (default: NEWSBOT_DATA_DIR or ~/.local/share/newsbot)")
    parser = argparse.ArgumentParser(prog="newsbot", parents=[common],
                                     description="Answers questions about a library of news articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common],
                       help="add files, folders (txt, md, html, jsonl) and web pages by link")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p = sub.add_parser("feeds", parents=[common], help="follow RSS/Atom feeds into the global library")
    actions = p.add_subparsers(dest="action", required=True)
    f = actions.add_parser("add", parents=[common], help="follow a feed (checked at once)")
    f.add_argument("url")
    f.add_argument("--include", default="", help="only entries naming one of these words (comma-separated)")
    f.add_argument("--exclude", default="", help="never entries naming one of these words (comma-separated)")
    actions.add_parser("list", parents=[common], help="the feeds followed, with their state")
    f = actions.add_parser("remove", parents=[common], help="stop following a feed (its articles stay)")
    f.add_argument("feed_id", type=int)
    actions.add_parser("poll", parents=[common], help="fetch every feed once and add what is new (for cron)")

    p = sub.add_parser("follow", parents=[common], help="follow questions: hear when new articles answer them")
    actions = p.add_subparsers(dest="action", required=True)
    f = actions.add_parser("add", parents=[common], help="follow a question")
    f.add_argument("question")
    actions.add_parser("list", parents=[common], help="the questions followed (every server's)")
    f = actions.add_parser("remove", parents=[common], help="stop following a question")
    f.add_argument("follow_id", type=int)
    f = actions.add_parser("matches", parents=[common],
                           help="what the articles added since would send (nothing is recorded as sent)")
    f.add_argument("--json", action="store_true", help="JSON Lines: one object per notice")

    p = sub.add_parser("ask", parents=[common], help="ask a question ('-' reads one per line from stdin)")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="number of results (1-10)")
    p.add_argument("--json", action="store_true", help="print the JSON contract")
    p.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
    p.add_argument("--source", action="append", default=[], help="only this publisher (repeatable)")
    p.add_argument("--author", action="append", default=[],
                   help="only articles whose byline holds this name (repeatable)")
    p.add_argument("--since", help="only articles published on or after this date")
    p.add_argument("--until", help="only articles published on or before this date")
    p.add_argument("--as-of", help="the asking time (default today): no article published after it is used,"
                                   " and ages count from it")

    p = sub.add_parser("stories", parents=[common],
                       help="the stories: articles about the same event across publishers and days")
    p.add_argument("--since", help="only articles published on or after this date")
    p.add_argument("--until", help="only articles published on or before this date")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per story")
    p.add_argument("--rebuild", action="store_true", help="form every story again, in arrival order")

    p = sub.add_parser("digest", parents=[common], help="the period's stories, most covered first")
    p.add_argument("--days", type=int, default=1, help="how many days back from --as-of (default 1)")
    p.add_argument("--as-of", help="the last day (default today)")

    p = sub.add_parser("timeline", parents=[common],
                       help="the key days of a story or a question, each with what happened, cited")
    p.add_argument("about", metavar="QUESTION_OR_STORY_ID")
    p.add_argument("--dates", type=int, default=10, help="how many days (default 10)")
    p.add_argument("--sentences", type=int, default=2, help="sentences per day (default 2)")
    p.add_argument("--since", help="only days from this date on")
    p.add_argument("--until", help="only days up to this date")
    p.add_argument("--json", action="store_true", help='{"entries": [{"date", "sentences", "citations"}]}')

    sub.add_parser("list", parents=[common], help="list the articles")
    p = sub.add_parser("remove", parents=[common], help="remove an article by id")
    p.add_argument("article_id", type=int)
    sub.add_parser("reindex", parents=[common],
                   help="rebuild every vector with the configured model (or the adapted one 'adapt' measured better)")
    p = sub.add_parser("adapt", parents=[common],
                       help="fine-tune the model on the library's own headlines and passages (no labels)")
    p.add_argument("--epochs", type=int, default=1, help="passes over the pairs (default 1)")
    p.add_argument("--batch-size", type=int, default=32, help="pairs per step: the in-batch negatives (default 32)")
    p.add_argument("--held-out", type=float, default=0.1, help="share of articles kept to measure on (default 0.1)")
    p.add_argument("--max-pairs", type=int, default=20_000, help="most headline-passage pairs trained on")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p = sub.add_parser("eval", parents=[common],
                       help="score answers on a JSONL question file, or the highlighter on a TrecQA .csv")
    p.add_argument("file", type=Path)
    p.add_argument("--modes", default="hybrid", help="comma-separated: hybrid,dense,keyword or 'all'")
    p.add_argument("--baselines", action="store_true",
                   help="also build and score the naive recipe (paragraph chunks, RRF) on the same articles")
    p.add_argument("--split-at", metavar="ID", default=None,
                   help="also score the questions whose id sorts before ID and the rest apart "
                        "(e.g. tune on early weeks, report on later ones)")
    p.add_argument("--without-gold", action="store_true",
                   help="also ask each question with its gold articles excluded: the share refused and the share"
                        " confidently wrong (answered, the correct answer in no passage shown)")
    p.add_argument("--json", action="store_true")

    sub.add_parser("doctor", parents=[common], help="check the library and repair what can be rebuilt")
    p = sub.add_parser("export", parents=[common], help="write the library as JSONL (the ingest format)")
    p.add_argument("file", type=Path)
    p = sub.add_parser("backup", parents=[common], help="copy the library consistently, even while in use")
    p.add_argument("directory", type=Path)
    p = sub.add_parser("migrate", parents=[common],
                       help="copy the embedded library (DATA_DIR) into PostgreSQL, without re-embedding")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="POSTGRESQL_URL",
                        help="the target database (empty); visible to other users in `ps`: prefer --to-env/--to-file")
    target.add_argument("--to-env", metavar="VARIABLE", help="read the target database's URL from this variable")
    target.add_argument("--to-file", metavar="PATH", type=Path, help="read it from the first line of this file")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    sub.add_parser("console", parents=[common], help="ask questions interactively")
    p = sub.add_parser("run", parents=[common], help="start the Discord bot (needs DISCORD_TOKEN)")
    p.add_argument("--shard-count", type=int, default=None, help="gateway shards of the whole bot")
    p.add_argument("--shard-ids", default=None, help="the shards this process runs, e.g. 0,1 (default: all)")
    sub.add_parser("start", parents=[common], help="the bot when DISCORD_TOKEN is set, else the console")
    p = sub.add_parser("sync", parents=[common], help="publish the slash commands to Discord (needs DISCORD_TOKEN)")
    p.add_argument("--guild", type=int, default=None, help="only this server's id: visible at once")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``newsbot`` console script; returns the exit status."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings(data_dir=getattr(args, "data_dir", None))
        logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for noisy in ("sentence_transformers", "transformers", "faiss", "httpx", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        secrets.install(settings.secrets())
        for warning in unknown_variables(dict(os.environ)):
            print(f"newsbot: warning: {warning}", file=sys.stderr)
        return COMMANDS[args.command](args, settings)
    except (NewsbotError, SettingsError) as exc:
        hidden = (settings.secrets() if settings else []) + secrets.url_secrets(getattr(args, "to", None) or "")
        print(f"newsbot: error: {secrets.redact(str(exc), hidden)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsbot list | head -1`: the reader has gone; nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit would fail again
        return 0


@contextmanager
def library_session(settings: Settings, *, seed: bool = True, repair: bool = True):
    """The library (embedded or PostgreSQL) and a searcher over it, seeded from ``seeds/`` on first use."""
    from retrieval.backend import open_library
    from retrieval.ingest import ensure_seeded
    from retrieval.search import Searcher

    new = settings.database_url is None and not (settings.data_dir / "library.sqlite3").exists()
    library = open_library(settings, repair=repair)
    try:
        if new:  # a mistyped --data-dir must not pass unnoticed
            print(f"newsbot: created a new library in {settings.data_dir}", file=sys.stderr)
        if seed:
            ensure_seeded(library, settings.seeds_dir, settings.max_file_bytes)
        yield library, Searcher(library)
    finally:
        library.close()


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot ingest PATH_OR_URL...``: files and folders are read, links fetched."""
    from tqdm import tqdm

    from retrieval.ingest import IngestReport, expand_paths, ingest, ingest_documents
    from retrieval.pages import is_link
    from retrieval.stories import StoryIndex

    links = [p for p in args.paths if is_link(p)]
    paths = [Path(p) for p in args.paths if not is_link(p)]
    files, _ = expand_paths(paths)
    report = IngestReport()
    with library_session(settings, seed=False) as (library, _), \
            tqdm(total=len(files) + len(links), unit="doc", file=sys.stderr,
                 disable=args.no_progress or len(files) + len(links) < 20) as bar:
        progress = lambda n: bar.update(min(n, bar.total - bar.n))  # noqa: E731
        if paths:
            report = ingest(library, paths, max_bytes=settings.max_file_bytes, progress=progress)
        if links:
            report = ingest_documents(library, asyncio.run(_fetch_pages(settings, links)), report,
                                      progress=progress)
        StoryIndex(library).catch_up()  # every article joins a story as it arrives
    for failure in report.failures:
        print(f"failed: {failure.path}: {failure.reason}")
    print(report.summary())
    return 1 if report.failed and not (report.added or report.updated or report.unchanged) else 0


async def _fetch_pages(settings: Settings, links: list[str]) -> list:
    """The documents (or failures) of web pages, fetched under the operator's limits."""
    from retrieval.fetch import Fetcher, FetchPolicy
    from retrieval.pages import fetch_documents
    from retrieval.sandbox import sandbox_from_settings

    sandbox = sandbox_from_settings(settings)
    try:
        async with Fetcher(FetchPolicy.from_settings(settings)) as fetcher:
            return await fetch_documents(fetcher, links, max_bytes=settings.max_file_bytes, run=sandbox.run_async)
    finally:
        sandbox.close()


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot feeds add URL | list | remove ID | poll`` (the global library's feeds)."""
    from retrieval.feed_store import FeedStore

    with library_session(settings, seed=False) as (library, _):
        feeds = FeedStore(library.store)
        if args.action == "list":
            for feed in feeds.list(every=True):
                print(feed_line(feed))
            return 0
        if args.action == "remove":
            feed = feeds.remove(args.feed_id, None)
            print(f"stopped following {feed.id}: {feed.title or feed.url} (its articles stay in the library)")
            return 0
        return asyncio.run(_feeds_online(args, settings, library, feeds))


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot follow add QUESTION | list | remove ID | matches [--json]`` (the global library's)."""
    from retrieval.follows import FollowStore
    from retrieval.stories import StoryIndex

    with library_session(settings) as (library, _):
        stories = StoryIndex(library)
        stories.catch_up()
        follows = FollowStore(library, stories)
        if args.action == "add":
            follow = follows.add(args.question, None)
            print(f"following {follow.id}: {follow.question} (the library's best answer now: {follow.best:.2f})")
        elif args.action == "list":
            for follow in follows.list(None, every=True):
                where = f"server {follow.guild_id}" if follow.guild_id else "global"
                print(f"{follow.id:>4}  {where:<8}  best {follow.best:.2f}  {follow.question}")
        elif args.action == "remove":
            follow = follows.remove(args.follow_id, None)
            print(f"stopped following {follow.id}: {follow.question}")
        else:
            for match in follows.matches():
                by = f" ({match.source})" if match.source else ""
                print(json.dumps(follow_match_json(match), ensure_ascii=False) if args.json
                      else f"{match.follow.id:>4}  {match.score:.2f}  {match.follow.question}\n"
                           f"      → {match.title or match.url}{by} <{match.url}>")
    return 0


def follow_match_json(match) -> dict:
    """A notice ``newsbot follow matches --json`` prints."""
    return {"follow": match.follow.id, "question": match.follow.question, "score": round(match.score, 4),
            "story": match.story_id, "article": {"id": match.article_id, "title": match.title, "url": match.url,
                                                 "source": match.source}, "passage": match.passage}


def feed_line(feed) -> str:
    """One line of ``newsbot feeds list``."""
    import datetime as dt

    when = dt.datetime.fromtimestamp(feed.next_poll).strftime("%Y-%m-%d %H:%M")
    scope = f"server {feed.guild_id}" if feed.guild_id else "global"
    state = f"failing ({feed.failures}): {feed.last_error}" if feed.failures else f"next poll {when}"
    return f"{feed.id:>4}  {scope:<8}  {feed.added:>5} added  {feed.title or '-'}  {feed.url}  [{state}]"


async def _feeds_online(args: argparse.Namespace, settings: Settings, library, feeds) -> int:
    """``feeds add`` (check, then follow) and ``feeds poll`` (every feed once)."""
    from retrieval.sandbox import sandbox_from_settings

    sandbox = sandbox_from_settings(settings)
    try:
        return await _poll_feeds(args, settings, library, feeds, sandbox)
    finally:
        sandbox.close()


async def _poll_feeds(args: argparse.Namespace, settings: Settings, library, feeds, sandbox) -> int:
    from retrieval.fetch import Fetcher, FetchPolicy
    from retrieval.poller import FeedPoller

    async with Fetcher(FetchPolicy.from_settings(settings)) as fetcher:
        poller = FeedPoller(library, feeds, fetcher, interval=settings.feed_interval_minutes * 60,
                            max_new=settings.feed_max_new, max_bytes=settings.max_file_bytes,
                            parse=sandbox.run_async)
        if args.action == "add":
            parsed = await poller.check(args.url)
            feed = feeds.add(args.url, None, parsed.title)
            if args.include or args.exclude:
                feeds.set_filters(feed.id, None, args.include, args.exclude)
            print(f"following {feed.id}: {parsed.title or args.url} ({len(parsed.entries)} entries now;"
                  " `newsbot feeds poll` adds them)")
            return 0
        reports = await poller.poll_many(await asyncio.to_thread(feeds.list, every=True))
    from retrieval.stories import StoryIndex

    StoryIndex(library).catch_up()  # what the feeds added joins its stories
    for report in reports:
        print(report.summary())
        for link, reason in report.failed:
            print(f"  failed: {link}: {reason}")
    return 1 if reports and all(r.error for r in reports) else 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot ask QUESTION [--k N] [--json]``; ``-`` reads questions from stdin."""
    from retrieval.errors import BadInputError
    from retrieval.format import answer_json, answer_text, filters_note
    from retrieval.records import make_filters
    from retrieval.search import SearchOptions, clean_question

    k = args.k or settings.results
    if not 1 <= k <= 10:
        raise BadInputError("--k must be between 1 and 10")
    options = SearchOptions.from_settings(settings, k=k, mode=args.mode,
                                          filters=make_filters(args.source, args.since, args.until, args.as_of,
                                                               args.author))
    questions = sys.stdin if args.question == "-" else [args.question]
    status = 0
    with library_session(settings) as (library, searcher):
        if args.question != "-":  # one question: FTS5 answers it, the keyword postings stay unloaded
            library.single_question()
        if args.mode != "keyword":
            searcher.warm(keyword_postings=args.question == "-")
        for raw in questions:
            try:
                question, asked = question_line(raw, options) if args.question == "-" else (raw, options)
                answer = searcher.ask(clean_question(question, settings.max_question_chars), asked)
            except BadInputError as exc:
                status = 2
                _emit_error(raw, exc, args.json)
                continue
            if args.json:
                print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
            else:
                print(answer_text(answer, color=sys.stdout.isatty()))
        if status == 0 and args.question != "-" and not answer.answered:
            if note := filters_note(library.store, options.filters, [None], flag="--"):
                print(f"newsbot: {note}", file=sys.stderr)
    return status


def question_line(line: str, options):
    """A stdin line of ``ask -``: the question, or a JSON object ``{"question": …, "as_of": "YYYY-MM-DD"}``,
    with the options it is asked with.

    Raises:
        BadInputError: a JSON line without a "question" string, or with a date that cannot be read.
    """
    import dataclasses

    from retrieval.errors import BadInputError
    from retrieval.records import make_filters

    if not line.lstrip().startswith("{"):
        return line, options
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"invalid JSON: {exc.msg}") from None
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise BadInputError('a JSON line needs a "question" string')
    if not item.get("as_of"):
        return item["question"], options
    as_of = make_filters((), None, None, str(item["as_of"])).as_of
    return item["question"], dataclasses.replace(options, filters=dataclasses.replace(options.filters, as_of=as_of))


def _emit_error(question: str, exc: Exception, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"question": question.rstrip("\n"), "error": str(exc)}, ensure_ascii=False),
              flush=True)
    else:
        print(f"newsbot: error: {exc}", file=sys.stderr)


def cmd_stories(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot stories [--since] [--until] [--json] [--rebuild]``"""
    from retrieval.dates import parse_date
    from retrieval.errors import BadInputError
    from retrieval.stories import StoryIndex

    since, until = (_day_option(parse_date, name, value) for name, value in (("--since", args.since),
                                                                              ("--until", args.until)))
    if since and until and since > until:
        raise BadInputError(f"--since {since} is after --until {until}")
    with library_session(settings) as (library, _):
        index = StoryIndex(library)
        placed = index.rebuild() if args.rebuild else index.catch_up()
        if args.rebuild:
            print(f"newsbot: formed the stories again from {placed} articles", file=sys.stderr)
        for story in index.stories([None], since=since, until=until):
            print(json.dumps(story_json(story), ensure_ascii=False) if args.json else story_text(story))
    return 0


def _day_option(parse_date, name: str, value: str | None) -> str:
    from retrieval.errors import BadInputError

    if not value:
        return ""
    day = parse_date(value)
    if not day:
        raise BadInputError(f"{name}: can't read the date {value!r}; try 2024-09-20")
    return day


def story_json(story) -> dict:
    """A story as ``newsbot stories --json`` prints it."""
    return {"id": story.id, "title": story.title, "articles": [
        {"id": a.id, "url": a.link, "title": a.title, "date": a.date, "source": a.source} for a in story.articles]}


def story_text(story, shown: int = 5) -> str:
    """A story for a person: its title, days, publishers, then its latest articles."""
    first, last = story.dates
    days = f"{first} – {last}" if first != last else first or "undated"
    head = f"story {story.id}: {story.title[:90]}\n  {days}; {story.size_text()}"
    lines = [f"    {a.date or '----------'}  {(a.source or '-')[:16]:<16}  {(a.title or a.link)[:70]}"
             for a in story.articles[-shown:]]
    return "\n".join([head, *lines])


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot digest [--days N] [--as-of DAY]``: one line per story, most publishers first."""
    import datetime as dt

    from retrieval.dates import parse_date
    from retrieval.errors import BadInputError
    from retrieval.stories import StoryIndex, digest

    last = _day_option(parse_date, "--as-of", args.as_of) or dt.date.today().isoformat()
    if not 1 <= args.days <= 366:
        raise BadInputError("--days must be 1-366")
    since = (dt.date.fromisoformat(last) - dt.timedelta(days=args.days)).isoformat()
    with library_session(settings) as (library, _):
        index = StoryIndex(library)
        index.catch_up()
        stories = digest(index, [None], since, last)
    for story in stories:
        count = len(story.publishers)
        print(f"{story.dates[1] or '----------'}  {count:>2} publisher{'s' * (count != 1)}  {story.title[:80]}"
              f"  ({', '.join(story.publishers[:4]) or 'source unknown'})")
    if not stories:
        print(f"No stories between {since} and {last}.", file=sys.stderr)
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot timeline QUESTION_OR_STORY_ID [--dates N] [--sentences K] [--since] [--until] [--json]``"""
    from retrieval.dates import parse_date
    from retrieval.errors import BadInputError
    from retrieval.stories import StoryIndex
    from retrieval.timeline import timeline_for_question, timeline_for_story

    since, until = (_day_option(parse_date, name, value) for name, value in (("--since", args.since),
                                                                              ("--until", args.until)))
    if not 1 <= args.dates <= 200 or not 1 <= args.sentences <= 20:
        raise BadInputError("--dates must be 1-200 and --sentences 1-20")
    if since and until and since > until:
        raise BadInputError(f"--since {since} is after --until {until}")
    with library_session(settings) as (library, _):
        options = {"dates": args.dates, "sentences_per_date": args.sentences, "since": since, "until": until}
        if args.about.strip().isdigit():
            index = StoryIndex(library)
            index.catch_up()
            entries = timeline_for_story(library, index, int(args.about), **options)
            if not entries and not index.stories([None], story_ids=[int(args.about)]):
                raise BadInputError(f"no story {args.about} (see `newsbot stories`)")
        else:
            entries = timeline_for_question(library, args.about, **options)
    if args.json:
        print(json.dumps({"entries": [timeline_entry_json(e) for e in entries]}, ensure_ascii=False))
    else:
        print("\n\n".join(timeline_entry_text(e) for e in entries) or "Nothing in the library dates this.")
    return 0


def timeline_entry_json(entry) -> dict:
    """One day of ``newsbot timeline --json``."""
    return {"date": entry.date, "sentences": entry.sentences, "citations": [
        {"title": a.title, "url": a.link, "source": a.source, "date": a.date} for a in entry.citations]}


def _publisher(article) -> str:
    """An article's publisher, else its headline quoted (a file has no publisher)."""
    return article.source or f"“{article.title or 'Untitled'}”"


def timeline_entry_text(entry) -> str:
    """One day for a person: the date, what happened, where it was said."""
    cited = "; ".join(f"{_publisher(a)}, {a.date} <{a.link}>" for a in entry.citations)
    return "\n".join([entry.date, *(f"  • {s}" for s in entry.sentences), f"    ({cited})"])


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot list``"""
    with library_session(settings) as (library, _):
        articles = library.articles()
        for a in articles:
            print(f"{a.id:>6}  {a.date or '----------':<10}  {(a.source or '-')[:16]:<16}  "
                  f"{a.passages:>3}p  {a.title[:70]}")
        print(library.describe())
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot remove ID``"""
    with library_session(settings, seed=False) as (library, _):
        article = library.remove(args.article_id)
    print(f"removed {article.id}: {article.title}")
    return 0


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot reindex``: rebuild the vectors with the configured (or newly adapted) model."""
    from retrieval.backend import reindex

    model, count = reindex(settings)
    print(f"reindexed {count} passages with {model}")
    return 0


def cmd_adapt(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot adapt``: fine-tune the model on the library's pairs, measure it on held-out headlines."""
    from tqdm import tqdm

    from retrieval.adapt import adapt

    if args.epochs < 1 or args.batch_size < 2 or args.max_pairs < 2 or not 0 < args.held_out < 0.5:
        raise NewsbotError("--epochs must be at least 1, --batch-size and --max-pairs at least 2,"
                           " --held-out between 0 and 0.5")
    with library_session(settings, seed=False) as (library, _), \
            tqdm(unit="step", desc="adapting", disable=args.no_progress, file=sys.stderr) as bar:
        def progress(step: int, steps: int) -> None:
            bar.total = steps
            bar.update(step - bar.n)

        report = adapt(library.store, settings, epochs=args.epochs, batch_size=args.batch_size,
                       held_out=args.held_out, max_pairs=args.max_pairs, progress=progress)
    print(f"trained on {report.pairs} headline-passage pairs of {report.articles} articles"
          f" ({report.steps} steps, {report.seconds:.0f} s); measured on {report.held_out} held-out headlines")
    print(f"{'model':<10} {'hit@1':>6} {'MRR@10':>7}")
    print(f"{'base':<10} {report.base_hit1:>6.3f} {report.base_mrr:>7.3f}")
    print(f"{'adapted':<10} {report.adapted_hit1:>6.3f} {report.adapted_mrr:>7.3f}")
    where = settings.data_dir / report.model_dir
    if report.accepted:
        print(f"saved {where}: better on this library. Run `newsbot reindex` to use it.")
    else:
        print(f"saved {where}: not better on this library; the current model stays in use.")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot eval FILE``: score the library on a JSONL question file."""
    from tqdm import tqdm

    from retrieval.evaluation.questions import MODES, evaluate, load_questions, results_table, split_questions
    from retrieval.search import SearchOptions

    if args.file.suffix.lower() == ".csv":
        return _eval_sentences(args, settings)
    questions = load_questions(args.file)
    modes = MODES if args.modes == "all" else tuple(m.strip() for m in args.modes.split(","))
    if unknown := set(modes) - set(MODES):
        raise NewsbotError(f"unknown mode(s) {sorted(unknown)}; use hybrid, dense, keyword or all")
    base = SearchOptions.from_settings(settings)
    parts = split_questions(questions, args.split_at)
    tables: dict[str, list] = {name: [] for name, _ in parts}
    with library_session(settings) as (library, searcher):
        runs = [(mode, searcher) for mode in modes]
        if args.baselines:
            from retrieval.evaluation.baseline import BASELINE_MODES, NaiveBaseline

            baseline = NaiveBaseline(library, library.encoder)
            runs += [(mode, baseline) for mode in BASELINE_MODES]
        for mode, engine in runs:
            with tqdm(total=len(questions), desc=mode, file=sys.stderr, disable=len(questions) < 50) as bar:
                for name, part in parts:
                    gold_out = args.without_gold and engine is searcher  # baselines give no "no answer"
                    tables[name].append(evaluate(engine, part, mode, base, bar.update, without_gold=gold_out))
    results = [_merged(rows) for rows in zip(*tables.values())]
    if len(parts) > 1:
        tables = {"all questions": results, **tables}
    if args.json:
        print(json.dumps([{**r.as_dict(), "part": name} for name, rows in tables.items() for r in rows], indent=2))
    else:
        print("\n\n".join(f"{name}\n{results_table(rows)}" if len(tables) > 1 else results_table(rows)
                          for name, rows in tables.items()))
        for r in results:
            for failure in r.failures:
                print(f"FAIL [{r.mode}] {failure}")
    return 0 if results[0].passed else 1


def _merged(results):
    """One mode's scores over every part."""
    total = results[0]
    for other in results[1:]:
        total = total.merged(other)
    return total


def _eval_sentences(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot eval FILE.csv``: rank TrecQA-style candidate sentences as the highlighter does."""
    from retrieval.embed import make_encoder
    from retrieval.evaluation.sentences import evaluate_sentences, sentence_table

    if not args.file.is_file():
        raise NewsbotError(f"cannot read {args.file}: no such file")
    results = evaluate_sentences(args.file, make_encoder(settings))
    if args.json:
        print(json.dumps({name: {"map": round(m, 4), "mrr": round(r, 4), "questions": n}
                          for name, (m, r, n) in results.items()}, indent=2))
    else:
        print(sentence_table(results))
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot doctor``: exit 1 when problems were found (and report the repairs)."""
    with library_session(settings, seed=False, repair=False) as (library, _):
        report = library.doctor()
    for problem in report.problems:
        print(f"problem: {problem}")
    for repair in report.repairs:
        print(f"repaired: {repair}")
    print("library is healthy" if report.healthy else f"{len(report.problems)} problem(s) found")
    return 0 if report.healthy else 1


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot export FILE``"""
    from retrieval.export import export_jsonl

    with library_session(settings, seed=False) as (library, _):
        count = export_jsonl(library, args.file)
    print(f"exported {count} articles to {args.file}")
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot backup DIR``"""
    from retrieval.backend import backup

    with library_session(settings, seed=False) as (library, _):
        backup(library, args.directory)
    print(f"backed up the library to {args.directory}")
    return 0


def migration_target(args: argparse.Namespace) -> str:
    """The target URL of ``migrate``: given, from an environment variable, or from a file's first line."""
    if args.to_env:
        if not (url := os.environ.get(args.to_env, "").strip()):
            raise NewsbotError(f"the variable {args.to_env} is not set")
        return url
    if args.to_file:
        try:
            lines = args.to_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise NewsbotError(f"cannot read {args.to_file}: {exc.strerror or exc}") from None
        if not lines or not lines[0].strip():
            raise NewsbotError(f"{args.to_file} is empty")
        return lines[0].strip()
    return args.to


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot migrate --to URL``: the embedded library of DATA_DIR into PostgreSQL."""
    from pydantic import SecretStr
    from tqdm import tqdm

    from retrieval.backend import open_library
    from retrieval.copying import copy_library

    args.to = migration_target(args)
    if not args.to.startswith(("postgresql://", "postgres://")):
        raise NewsbotError("--to must be a PostgreSQL URL (postgresql://…)")
    source = open_library(settings.model_copy(update={"database_url": None}))
    target = None
    try:
        target = open_library(settings.model_copy(update={"database_url": SecretStr(args.to)}), source.encoder)
        with tqdm(total=source.store.count("articles"), unit="article", file=sys.stderr,
                  disable=args.no_progress) as bar:
            report = copy_library(source, target, bar.update, bulk=True)
    finally:
        source.close()
        if target is not None:
            target.close()
    print(report.summary())
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot console``: a local question-and-answer loop on the library."""
    from retrieval.errors import BadInputError
    from retrieval.format import answer_text
    from retrieval.search import SearchOptions, clean_question

    options = SearchOptions.from_settings(settings)
    with library_session(settings) as (library, searcher):
        searcher.warm()
        print(f"newsbot console: {library.store.count('articles')} articles. "
              "Ask a question (empty line or Ctrl-D to quit).")
        while True:
            try:
                raw = input("? ")
            except EOFError:
                break
            if not raw.strip():
                break
            try:
                print(answer_text(searcher.ask(clean_question(raw, settings.max_question_chars), options),
                                  color=sys.stdout.isatty()))
            except BadInputError as exc:
                print(f"error: {exc}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot run [--shard-count N --shard-ids 0,1]``: start the Discord bot."""
    from bot.runner import run_bot

    shards = {key: value for key, value in (("shard_count", getattr(args, "shard_count", None)),
                                            ("shard_ids", getattr(args, "shard_ids", None))) if value is not None}
    if shards:
        settings = load_settings(data_dir=settings.data_dir, **shards)  # the environment again, with these
    return run_bot(settings)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot sync [--guild ID]``: publish the slash commands (the bot's owner, once per change)."""
    from bot.runner import sync_bot

    return sync_bot(settings, args.guild)


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """``newsbot start``: the bot when a token is configured, else the console."""
    if settings.discord_token is not None and settings.discord_token.get_secret_value().strip():
        return cmd_run(args, settings)
    print("DISCORD_TOKEN is not set: starting the local console on the library.", file=sys.stderr)
    return cmd_console(args, settings)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest, "ask": cmd_ask, "list": cmd_list, "remove": cmd_remove,
    "reindex": cmd_reindex, "adapt": cmd_adapt, "feeds": cmd_feeds, "eval": cmd_eval, "doctor": cmd_doctor,
    "export": cmd_export,
    "backup": cmd_backup, "migrate": cmd_migrate, "console": cmd_console, "run": cmd_run,
    "start": cmd_start, "sync": cmd_sync, "stories": cmd_stories,
    "timeline": cmd_timeline, "follow": cmd_follow, "digest": cmd_digest,
}

if __name__ == "__main__":
    sys.exit(main())
