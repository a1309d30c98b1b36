import logging
from urllib.parse import quote

import pytest

from config.secrets import MASK, RedactingFilter, redact, url_secrets
from config.settings import Settings
from retrieval.errors import StoreError
from retrieval.pg.migrations import apply_migrations

PASSWORD = "p@ss:w/o?r#d%[]!$&'()*+,;= ~\"x"  # every character a URL treats specially
URL = f"postgresql://newsbot:{quote(PASSWORD, safe='')}@db.example:5432/newsbot"


def test_every_form_of_the_password_is_known():
    forms = url_secrets(URL)
    assert PASSWORD in forms and quote(PASSWORD, safe="") in forms


@pytest.mark.parametrize("message", [
    f'invalid percent-encoded token: "{quote(PASSWORD, safe="")}"', f"password {PASSWORD} rejected",
    f"connection to {URL} failed"])
def test_a_message_holding_the_password_in_any_form_is_redacted(message):
    cleaned = redact(message, url_secrets(URL))
    assert MASK in cleaned
    for secret in url_secrets(URL):
        assert secret not in cleaned


def test_passwords_of_uris_and_settings_are_redacted_even_when_unknown():
    assert redact("dsn postgresql://a:hunter22@h/db and password=hunter33 ok") == \
        "dsn postgresql://a:***@h/db and password=*** ok"


def test_settings_name_their_secrets(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "token-abc.def")
    found = Settings(database_url=URL).secrets()
    assert "token-abc.def" in found and PASSWORD in found


def test_log_records_and_their_tracebacks_are_redacted():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "cannot use %s", (URL,), None)
    try:
        raise RuntimeError(f"driver said {PASSWORD}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter(url_secrets(URL)).filter(record)
    assert PASSWORD not in record.getMessage() and quote(PASSWORD, safe="") not in record.getMessage()
    assert PASSWORD not in record.exc_text and "driver said ***" in record.exc_text


@pytest.mark.parametrize("url", [
    "postgresql://newsbot:pa%zz%ss-secret@127.0.0.1:1/db",  # libpq repeats a badly encoded password
    f"postgresql://newsbot:{quote(PASSWORD, safe='')}@127.0.0.1:1/db?connect_timeout=2"])
def test_a_failed_connection_never_shows_the_password(url):
    with pytest.raises(StoreError) as failed:
        apply_migrations(url)  # the first connection a process makes
    message = str(failed.value)
    assert message.startswith("cannot connect to the database")
    for secret in url_secrets(url):
        assert secret not in message
