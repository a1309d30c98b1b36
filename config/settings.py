"""One typed settings object, built once at start-up and passed in.

Values come from the environment (prefix ``NEWSBOT_``) or a ``.env`` file.
The Discord token is read from ``DISCORD_TOKEN`` (or ``NEWSBOT_DISCORD_TOKEN``)
and held as a secret so it never appears in logs or reprs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.allow_list import AllowList
from config.secrets import url_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DISCORD_API = "https://discord.com/api/v10"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsbot"


class SettingsError(ValueError):
    """Raised when the settings are invalid; the message is meant for people."""


class Settings(BaseSettings):
    """Every setting of newsbot, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the library lives.")
    database_url: SecretStr | None = Field(
        default=None, description="A PostgreSQL (pgvector) libpq URI: the library lives there instead of DATA_DIR.")
    seeds_dir: Path = Field(default=PROJECT_ROOT / "seeds", description="Articles for an empty library.")
    model: str = Field(default=DEFAULT_MODEL, description="Embedding model: a local path or a hub id.")
    engine: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8", validation_alias=AliasChoices("engine", "NEWSBOT_ENGINE", "NEWSBOT_BACKEND"),
        description="Inference engine: ONNX Runtime with int8 weights, or PyTorch (NEWSBOT_BACKEND still works).")
    model_cache_dir: Path | None = Field(
        default=None,
        description="Exported models, shared by every library of this user (default ~/.cache/newsbot/models).")
    batch_size: int = Field(default=32, ge=1, le=1024)
    max_passage_tokens: int = Field(default=200, ge=32, le=512)
    results: int = Field(default=5, ge=1, le=10, description="Results per answer by default.")
    max_per_article: int = Field(default=2, ge=1, le=10)
    min_score: float = Field(
        default=0.49, ge=0.0, le=1.0, description="Answer from this probability of the answer shown (docs/quality.md).")
    hint_score: float = Field(
        default=0.10, ge=0.0, le=1.0, description="A question not answered still shows its closest passage, marked "
                                                  "unsure, from this probability (1: never; docs/quality.md).")
    recency_weight: float = Field(
        default=0.2, ge=0.0, le=1.0, description="Bonus for the newest reporting (0: off; docs/quality.md).")
    recency_days: float = Field(default=14.0, gt=0.0, description="Days over which the recency bonus fades.")
    answer_type_weight: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Bonus for passages holding the kind of answer asked for.")
    sentence_weight: float = Field(
        default=0.25, ge=0.0, le=1.0, description="Share of a passage's dense score read from its highlighted "
                                                 "sentence instead (0: the passage alone; docs/quality.md).")
    keyword_floor: float = Field(
        default=8.0, ge=0.0, description="Keyword (BM25) scores are divided by the best one, or by this when the best "
                                         "is weaker (a library of a few articles; docs/quality.md).")
    relative_cutoff: float = Field(
        default=0.70, ge=0.0, le=1.0, description="Show only results scoring this share of the best one.")
    max_file_bytes: int = Field(default=20_000_000, ge=1_000)
    fetch_allow: str = Field(
        default="", description="Hosts or CIDRs that may be fetched although private or loopback (comma-separated).")
    fetch_timeout: float = Field(default=20.0, gt=0.0, le=300.0, description="Seconds for one page or feed.")
    fetch_max_bytes: int = Field(default=5_000_000, ge=10_000, description="Largest page or feed, decompressed.")
    feed_interval_minutes: float = Field(default=30.0, ge=1.0, description="Minutes between two polls of a feed.")
    feed_max_new: int = Field(default=50, ge=1, le=500, description="New entries taken from a feed per poll.")
    feed_check_seconds: float = Field(
        default=60.0, ge=0.0, description="How often the bot looks for feeds due (0: never; cron runs `feeds poll`).")
    max_question_chars: int = Field(default=1_000, ge=10)
    parse_seconds: float = Field(
        default=20.0, gt=0.0, le=600.0, description="Seconds one page, feed or upload may take to parse.")
    parse_memory_mb: int = Field(
        default=768, ge=128, description="Memory (MB of address space) of a parser worker process.")
    parse_workers: int = Field(default=2, ge=1, le=16, description="Parser worker processes.")
    import_workers: int = Field(
        default=1, ge=1, le=16, description="Threads importing uploads and links (never the question threads).")
    import_queue: int = Field(default=5, ge=1, le=100, description="Imports a server may have waiting.")
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Serve /metrics (Prometheus) and /healthz on this port (0: any).")
    metrics_host: str = Field(default="127.0.0.1", description="The address the metrics port listens on.")

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN")
    )
    discord_api_base: str = Field(default=DISCORD_API, description="Discord's REST API, or a proxy of it.")
    dev_guild_id: int | None = Field(default=None, description="Sync commands to this guild on start.")
    owner_ids: list[int] = Field(default_factory=list)
    cooldown_seconds: float = Field(default=10.0, ge=0.0)
    cooldown_questions: int = Field(default=3, ge=1)
    max_inflight_searches: int = Field(default=8, ge=1)
    exact_search_limit: int = Field(
        default=50_000, ge=1, description="Passages from which the vector index is approximate (IVF-SQ8).")
    reply_style: Literal["reply", "thread"] = "reply"
    shard_count: int | None = Field(default=None, ge=1, description="Gateway shards of the whole bot (all processes).")
    shard_ids: str = Field(default="", description="The shards this process runs, comma-separated (default: all).")
    message_content_intent: bool = Field(
        default=False, description="Read replies to the bot that do not mention it (privileged intent).")
    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("shard_ids")
    @classmethod
    def _shard_list(cls, value: str) -> str:
        parts = [p for p in value.replace(" ", ",").split(",") if p]
        if not all(p.isdigit() for p in parts):
            raise ValueError("must be shard numbers separated by commas, e.g. 0,1")
        return ",".join(parts)

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("NEWSBOT_SHARD_IDS needs NEWSBOT_SHARD_COUNT")
        if self.shard_count is not None and any(i >= self.shard_count for i in self.shard_id_list):
            raise ValueError(f"NEWSBOT_SHARD_IDS must be below NEWSBOT_SHARD_COUNT ({self.shard_count})")
        return self

    def secrets(self) -> list[str]:
        """Every secret value of these settings, in the forms a message may hold it (for redaction)."""
        found = url_secrets(self.database_url.get_secret_value()) if self.database_url else []
        if self.discord_token:
            found.append(self.discord_token.get_secret_value())
        return found

    @property
    def shard_id_list(self) -> list[int]:
        """The shards this process runs ([] with no sharding, or all of them)."""
        return [int(p) for p in self.shard_ids.split(",") if p]

    @field_validator("fetch_allow")
    @classmethod
    def _allow_list(cls, value: str) -> str:
        AllowList.parse(value)  # raises ValueError with the bad entry
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


def unknown_variables(environ: dict[str, str]) -> list[str]:
    """A warning for each ``NEWSBOT_*`` variable that is no setting (a typo is otherwise ignored),
    naming the closest setting."""
    import difflib

    known = {f"NEWSBOT_{name.upper()}" for name in Settings.model_fields}
    known |= {"NEWSBOT_DISCORD_TOKEN", "NEWSBOT_BACKEND", "NEWSBOT_ENGINE"}
    warnings = []
    for name in sorted(n for n in environ if n.upper().startswith("NEWSBOT_") and n.upper() not in known):
        close = difflib.get_close_matches(name.upper(), sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"{name} is not a newsbot setting and is ignored{hint}")
    return warnings


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once, turning validation errors into one readable message.

    Args:
        **overrides: values that win over the environment (e.g. ``data_dir`` from ``--data-dir``).

    Returns:
        The validated settings.

    Raises:
        SettingsError: if any value is invalid; the message names each bad setting.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            problems.append(f"NEWSBOT_{name.upper()}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
