import pytest

from config.settings import Settings, SettingsError, load_settings


def test_defaults_and_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSBOT_RESULTS", "7")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.results == 7 and s.data_dir == tmp_path and s.model == "all-MiniLM-L6-v2"


def test_overrides_win_and_none_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSBOT_DATA_DIR", "/elsewhere")
    assert load_settings(data_dir=tmp_path).data_dir == tmp_path
    assert str(load_settings(data_dir=None).data_dir) == "/elsewhere"


def test_invalid_values_give_one_readable_message(monkeypatch):
    monkeypatch.setenv("NEWSBOT_RESULTS", "50")
    monkeypatch.setenv("NEWSBOT_MIN_SCORE", "high")
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert "NEWSBOT_RESULTS" in message and "NEWSBOT_MIN_SCORE" in message


def test_token_is_secret(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.secret")
    s = Settings()
    assert s.discord_token.get_secret_value() == "abc.def.secret"
    assert "abc.def.secret" not in repr(s) and "abc.def.secret" not in str(s.model_dump())


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEWSBOT_RESULTS=4\nDISCORD_TOKEN=from-dotenv\n")
    s = Settings()
    assert s.results == 4 and s.discord_token.get_secret_value() == "from-dotenv"


def test_api_base_must_be_http():
    with pytest.raises(SettingsError, match="DISCORD_API_BASE"):
        load_settings(discord_api_base="ftp://x")
