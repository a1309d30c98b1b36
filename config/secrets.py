"""Keeping secrets out of messages and logs.

A database password or a bot token must never reach a person or a log line, including through a
driver's own error message (libpq repeats a badly encoded password back: ``invalid
percent-encoded token: "<the password>"``). :func:`redact` removes every known secret, in the
forms a message may hold it (as given, percent-decoded, percent-encoded), and any password written
in a URI or a ``password=`` setting; :class:`RedactingFilter` does the same to every log record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

MASK = "***"
_URI_PASSWORD = re.compile(r"(\b[a-zA-Z][\w+.-]{0,30}://[^:/@\s]{0,200}:)[^@\s]{1,500}@")
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('[^']{0,500}'|\S{1,500})", re.IGNORECASE)


def url_secrets(url: str) -> list[str]:
    """The password of a database URI in every form a message may repeat it."""
    try:
        password = urlsplit(url).password
    except ValueError:  # a URI too broken to split: look for user:password@ by hand
        match = re.search(r"://[^:/@\s]*:([^@\s]*)@", url)
        password = match.group(1) if match else None
    if not password:
        return []
    return sorted({password, unquote(password), quote(unquote(password), safe="")}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret and every password in a URI or ``password=`` replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URI_PASSWORD.sub(lambda m: m.group(1) + MASK + "@", text)
    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, text)


class RedactingFilter(logging.Filter):
    """Redacts the given secrets (and any URI password) from every record's message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text, self.secrets), None
        return True


def install(secrets: Iterable[str]) -> None:
    """Redact ``secrets`` from every log record, whichever handler writes it."""
    redacting = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
