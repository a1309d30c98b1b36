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


def test_shards_are_read_and_checked():
    from config.settings import SettingsError, load_settings

    assert load_settings(shard_count=4, shard_ids="2, 3").shard_id_list == [2, 3]
    assert load_settings().shard_id_list == [] and load_settings().shard_count is None
    for bad in ({"shard_ids": "0"}, {"shard_count": 2, "shard_ids": "2"}, {"shard_count": 2, "shard_ids": "x"}):
        with pytest.raises(SettingsError, match="SHARD"):
            load_settings(**bad)


def test_the_database_url_is_a_secret(monkeypatch):
    from config.settings import load_settings

    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "postgresql://newsbot:hunter2@db/newsbot")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and settings.database_url.get_secret_value().endswith("/newsbot")
