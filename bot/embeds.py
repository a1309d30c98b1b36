"""Pure functions that turn answers into Discord embeds within every Discord limit."""

from __future__ import annotations

import discord

from bot.jobs import ImportJob
from bot.service import ServerSetup, StoryNotice
from retrieval.feed_store import Feed, FeedFilter
from retrieval.follows import FollowMatch
from retrieval.format import UNSURE, never_mentioned, newest_date
from retrieval.records import Answer, Article, Hit
from retrieval.sentences import sentences
from retrieval.stories import Story
from retrieval.timeline import TimelineEntry

TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
MESSAGE_LIMIT = 6000
ELLIPSIS = "…"
NO_ANSWER_TEXT = ("I couldn't find this in the library, so I won't guess. "
                  "An admin can add articles that cover it with `/library add`.")


def trim(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters at a sentence boundary, else a word boundary, with "…"."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) + 1 > limit:
            break
        kept = candidate
    if not kept:
        kept = text[:limit - 1].rsplit(" ", 1)[0] if " " in text[:limit - 1] else text[:limit - 1]
    return kept.rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape Markdown so article text shows as written."""
    return discord.utils.escape_markdown(text)


def excerpt(hit: Hit, limit: int) -> str:
    """The passage around its best sentence, that sentence in bold, at most ``limit`` characters."""
    parts = sentences(hit.text.replace("\n\n", " ")) or [hit.text]
    index = next((i for i, s in enumerate(parts) if hit.highlight and hit.highlight in s), 0)
    start = max(0, index - 1)
    bold = f"**{escape(trim(parts[index], limit - 10))}**"
    before = escape(parts[start]) if start < index else ""
    text = f"{ELLIPSIS} " if start > 0 else ""
    text += f"{before} {bold}".strip() if len(text) + len(before) + len(bold) + 1 <= limit else bold
    for sentence in parts[index + 1:]:
        addition = " " + escape(sentence)
        if len(text) + len(addition) + 2 > limit:
            return text + " " + ELLIPSIS
        text += addition
    return text


def citation(article: Article, paragraph: str) -> str:
    """"[Title](url) · Source · Author · date · ¶ N" with empty parts left out."""
    title = escape(trim(article.title or "Untitled", 200))
    linked = f"[{title}]({article.url})" if article.url.startswith(("http://", "https://")) else title
    parts = [linked] + [escape(p) for p in (article.source, article.author, article.date) if p]
    return " · ".join(parts + [f"¶ {paragraph}"])


def hit_field(number: int, hit: Hit) -> tuple[str, str]:
    """The (name, value) of the field that shows one result."""
    name = trim(f"{number}. {hit.article.title or 'Untitled'}", FIELD_NAME_LIMIT)
    also = ""
    if hit.also_reported_by:
        names = ", ".join(escape(a.source or a.title) for a in hit.also_reported_by)
        also = trim(f"\nAlso reported by {names}", 200)
    cite = "\n— " + citation(hit.article, hit.paragraph)
    if len(cite) > 400:
        cite = "\n— " + trim(cite[3:], 397)
    body = excerpt(hit, FIELD_VALUE_LIMIT - len(cite) - len(also))
    return name, body + cite + also


def answer_embed(answer: Answer, *, start: int = 1, why_not: str = "") -> discord.Embed:
    """An embed for an answer: the question, each passage with its answer in bold, and its citation.

    Args:
        answer: the answer (answered or not).
        start: the number of the first result (for "more results").
        why_not: for a question not answered under filters, what the filters were and whether any
            article passes them (said instead of the general no-answer text).

    Returns:
        An embed within Discord's limits (title 256, field 1,024, description 4,096, total 6,000).
    """
    embed = discord.Embed(title=trim(answer.question, TITLE_LIMIT), colour=discord.Colour.blurple())
    if not answer.answered:
        embed.description = f"I found nothing to answer this: {why_not}." if why_not else NO_ANSWER_TEXT
        if answer.unknown_names:
            embed.description = escape(never_mentioned(answer.unknown_names))
        embed.colour = discord.Colour.light_grey()
        for hit in answer.closest[:1]:  # unsure: the closest passage, said to be so
            embed.description = UNSURE.format(confidence=answer.confidence) + (f"\n(Searched {why_not}.)"
                                                                              if why_not else "")
            name, value = hit_field(1, hit)
            embed.add_field(name=name, value=value, inline=False)
        return embed
    footer = f"Search took {answer.took_ms:.0f} ms"
    if newest := newest_date(answer.hits):
        footer = f"Newest article cited: {newest} · " + footer
    if answer.time_read:
        footer = f"Time read: {answer.time_read} · " + footer
    if answer.read_as:
        footer = f"Read as: {answer.read_as} · " + footer
    embed.set_footer(text=trim(footer, FOOTER_LIMIT))
    if answer.article_facts:  # a question about the articles themselves: their citations answer it
        embed.description = trim("\n".join(escape(fact) for fact in answer.article_facts), 1000)
    budget = MESSAGE_LIMIT - len(embed.title) - len(embed.footer.text or "") - len(embed.description or "")
    for number, hit in enumerate(answer.hits, start=start):
        name, value = hit_field(number, hit)
        if len(name) + len(value) > budget or len(embed.fields) >= 25:
            break
        embed.add_field(name=name, value=value, inline=False)
        budget -= len(name) + len(value)
    return embed


def embed_size(embed: discord.Embed) -> int:
    """Characters that count towards Discord's 6,000 limit."""
    return len(embed)


def feed_line(feed: Feed, rules: FeedFilter | None = None) -> str:
    """One followed feed for ``/feeds list``: id, name, articles added, health, filters, and why
    items were not posted."""
    state = (f"failing ({feed.failures} in a row): {escape(feed.last_error)}" if feed.failures
             else f"next check <t:{int(feed.next_poll)}:R>")
    channel = f", notices in <#{feed.channel_id}>" if feed.channel_id else ""
    lines = [f"`{feed.id}` **{escape(feed.title or feed.url)}** — {feed.added} added{channel}; {state}",
             f"<{feed.url}>"]
    if rules is not None and (rules.include or rules.exclude):
        words = [f"only {', '.join(rules.include)}" if rules.include else "",
                 f"never {', '.join(rules.exclude)}" if rules.exclude else ""]
        lines.append("filters: " + escape("; ".join(w for w in words if w)))
    if rules is not None and (rules.filtered or rules.folded):
        lines.append(f"not posted: {rules.filtered} left out by the filters, {rules.folded} copies of a story "
                     "already told")
    return trim("\n".join(lines), 600)


def story_notice(notices: list[StoryNotice], shown: int = 8) -> str:
    """The message announcing a poll round's new stories in one channel: one line per story
    (however many feeds or copies reported it), links without previews."""
    lines = ["📰 New in the library:"]
    for notice in notices[:shown]:
        also = f" ({notice.copies} reports, from {', '.join(sorted(notice.feeds))})" if notice.copies > 1 else ""
        lines.append(f"• {escape(trim(notice.title or 'Untitled', 200))} — <{notice.link}>{escape(also)}")
    if len(notices) > shown:
        lines.append(f"… and {len(notices) - shown} more stories.")
    return trim("\n".join(lines), 2000)


def stories_embed(stories: list[Story]) -> discord.Embed:
    """``/story`` without a question: the latest stories, one line each with its days and publishers."""
    lines = []
    for story in stories:
        first, last = story.dates
        days = f"{first} – {last}" if first != last else first or "undated"
        lines.append(f"**{escape(trim(story.title, 150))}** — {days}; {story.size_text()}")
    return discord.Embed(title="Latest stories", description=trim("\n".join(lines), DESCRIPTION_LIMIT),
                         colour=discord.Colour.blurple())


def story_embed(story: Story, shown: int = 10) -> discord.Embed:
    """``/story``: a story's title, days, publishers and latest articles with links."""
    first, last = story.dates
    days = f"{first} – {last}" if first != last else first or "undated"
    embed = discord.Embed(title=trim(story.title, TITLE_LIMIT), colour=discord.Colour.blurple(),
                          description=trim(f"{days} · {story.size_text()}: "
                                           f"{', '.join(story.publishers) or 'publishers unknown'}", 1000))
    for article in story.articles[-shown:]:
        link = article.url if article.url.startswith(("http://", "https://")) else ""
        value = " · ".join(x for x in (article.source, article.date, f"<{link}>" if link else "") if x) or "—"
        embed.add_field(name=trim(article.title or "Untitled", FIELD_NAME_LIMIT), value=trim(escape(value), 1024),
                        inline=False)
    return embed


def job_status(job: ImportJob, position: int = 0) -> str:
    """An import's progress or outcome, as its progress message says it."""
    name = f"`{job.id}` **{escape(trim(job.name, 200))}**"
    if job.state == "queued":
        return f"⏳ Import {name} is waiting ({_ordinal(position)} in this server's queue)."
    if job.state == "running":
        of = f" of {job.total:,}" if job.total else ""
        return f"⚙️ Importing {name}: {job.done:,}{of} articles done."
    report = job.report.summary() if job.report else ""
    if job.state == "done":
        return f"✅ Imported {name}: {report}."
    if job.state == "cancelled":
        kept = f" What was added stays ({report})." if job.report else ""
        return f"🛑 Import {name} was cancelled.{kept}"
    return f"❌ Import {name} failed: {escape(job.error)}"


def job_report(job: ImportJob) -> str:
    """The message ending an import: its status and the files or lines that failed."""
    lines = [job_status(job)]
    failures = job.report.failures if job.report else []
    lines += [f"• {escape(f.path.rsplit('/', 1)[-1])}: {escape(f.reason)}" for f in failures[:10]]
    if len(failures) > 10:
        lines.append(f"… and {len(failures) - 10} more failures.")
    return trim("\n".join(lines), 2000)


def job_line(job: ImportJob, position: int = 0) -> str:
    """One line of ``/library jobs``."""
    by = f" — by <@{job.user_id}>"
    return trim(job_status(job, position) + by, 400)


def _ordinal(number: int) -> str:
    return {1: "next", 2: "2nd", 3: "3rd"}.get(number, f"{number}th")


def help_embed(setup: ServerSetup, admin: bool) -> discord.Embed:
    """``/help``: how to ask, this server's setup and, for admins, the commands that change it."""
    embed = discord.Embed(title="newsbot — help", colour=discord.Colour.blurple(), description=(
        "I answer questions from a library of news articles, quoting the passages with their source; "
        "when the library does not cover a question I say so instead of guessing."))
    embed.add_field(name="Asking", inline=False, value=(
        "• `/ask question:` — add `source:`, `since:`, `until:` to narrow it, `private:True` so only you see it\n"
        "• Right-click a message → Apps → **Ask newsbot about this message**\n"
        "• Under an answer: 👍/👎 and **More results**"))
    channels = ", ".join(f"<#{c}>" for c in setup.settings.channels) or "none (use `/ask`)"
    feeds = ", ".join(escape(f.title or f.url) for f in setup.feeds[:5]) or "none"
    if len(setup.feeds) > 5:
        feeds += f" and {len(setup.feeds) - 5} more"
    publishers = ", ".join(escape(s) for s in setup.sources) or "none yet"
    embed.add_field(name="In this server", inline=False, value=trim(
        f"• Mentions answered in: {channels}\n• Library: {setup.articles:,} articles; newest "
        f"{setup.newest or 'undated'}; publishers include {publishers}\n• Feeds followed: {feeds}\n"
        f"• {setup.results} passages per answer; answers when at least {setup.min_score:.2f} sure; "
        f"channel answers as a {setup.reply_style}", FIELD_VALUE_LIMIT))
    if admin:
        embed.add_field(name="For admins (Manage Server)", inline=False, value=(
            "`/library add|list|show|remove|jobs|cancel` · `/feeds add|list|remove` · "
            "`/settings show|channel|results|threshold|reply-style` · `/stats`"))
    return embed


def timeline_embed(question: str, entries: list[TimelineEntry]) -> discord.Embed:
    """The Timeline button's reply: one field per key day, what happened and where it was said."""
    embed = discord.Embed(title=trim(f"Timeline: {question}", TITLE_LIMIT), colour=discord.Colour.blurple())
    budget = MESSAGE_LIMIT - len(embed.title)
    for entry in entries[:25]:
        cited = ", ".join(f"{a.source or 'source unknown'}" + (f" <{a.url}>" if a.url.startswith("http") else "")
                          for a in entry.citations[:2])
        value = trim(" ".join(escape(s) for s in entry.sentences), 900) + (f"\n— {escape(cited)}" if cited else "")
        value = trim(value, FIELD_VALUE_LIMIT)
        if len(entry.date) + len(value) > budget:
            break
        embed.add_field(name=entry.date, value=value, inline=False)
        budget -= len(entry.date) + len(value)
    return embed


def follow_notice(match: FollowMatch) -> str:
    """A followed question's notice: the question, the new article and its answering passage."""
    source = " · ".join(x for x in (match.source, f"<{match.url}>" if match.url else "") if x)
    return trim(f"🔔 New on a question you follow — **{escape(trim(match.follow.question, 200))}**\n"
                f"**{escape(trim(match.title or 'Untitled', 200))}** {source}\n> {escape(trim(match.passage, 600))}",
                2000)


def digest_embed(stories: list[Story], since: str, until: str) -> discord.Embed:
    """``/digest``: the period's stories, most covered first, one line each with its sources."""
    lines = []
    for story in stories:
        link = next((a.url for a in reversed(story.articles) if a.url.startswith(("http://", "https://"))), "")
        sources = ", ".join(story.publishers[:5]) or "source unknown"
        more = f" +{len(story.publishers) - 5}" if len(story.publishers) > 5 else ""
        lines.append(f"• **{escape(trim(story.title, 150))}** — {escape(sources)}{more}"
                     + (f" <{link}>" if link else ""))
    period = since if since == until else f"{since} – {until}"
    return discord.Embed(title=f"Digest {period}", colour=discord.Colour.blurple(),
                         description=trim("\n".join(lines) or "No new stories in this period.", DESCRIPTION_LIMIT))
