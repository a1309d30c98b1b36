"""Pure functions that turn answers into Discord embeds within every Discord limit."""

from __future__ import annotations

import discord

from retrieval.feed_store import Feed
from retrieval.format import newest_date
from retrieval.poller import PollReport
from retrieval.records import Answer, Article, Hit
from retrieval.sentences import sentences

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


def answer_embed(answer: Answer, *, start: int = 1) -> discord.Embed:
    """An embed for an answer: the question, each passage with its answer in bold, and its citation.

    Args:
        answer: the answer (answered or not).
        start: the number of the first result (for "more results").

    Returns:
        An embed within Discord's limits (title 256, field 1,024, description 4,096, total 6,000).
    """
    embed = discord.Embed(title=trim(answer.question, TITLE_LIMIT), colour=discord.Colour.blurple())
    if not answer.answered:
        embed.description = NO_ANSWER_TEXT
        embed.colour = discord.Colour.light_grey()
        return embed
    footer = f"Search took {answer.took_ms:.0f} ms"
    if newest := newest_date(answer.hits):
        footer = f"Newest article cited: {newest} · " + footer
    embed.set_footer(text=trim(footer, FOOTER_LIMIT))
    budget = MESSAGE_LIMIT - len(embed.title) - len(embed.footer.text or "")
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


def feed_line(feed: Feed) -> str:
    """One followed feed for ``/feeds list``: id, name, articles added, health."""
    state = (f"failing ({feed.failures} in a row): {escape(feed.last_error)}" if feed.failures
             else f"next check <t:{int(feed.next_poll)}:R>")
    channel = f", notices in <#{feed.channel_id}>" if feed.channel_id else ""
    return trim(f"`{feed.id}` **{escape(feed.title or feed.url)}** — {feed.added} added{channel}; {state}\n"
                f"<{feed.url}>", 400)


def feed_notice(report: PollReport, shown: int = 5) -> str:
    """The message announcing a poll's new articles in a feed's channel (links without previews)."""
    lines = [f"📰 New in the library from **{escape(report.feed.title or report.feed.url)}**:"]
    lines += [f"• {escape(trim(title or 'Untitled', 200))} — <{link}>" for title, link in report.added[:shown]]
    if len(report.added) > shown:
        lines.append(f"… and {len(report.added) - shown} more.")
    return trim("\n".join(lines), 2000)
