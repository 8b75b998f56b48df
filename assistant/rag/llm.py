"""OpenAI-compatible chat client (OpenAI, vLLM, Ollama, llama.cpp server...).

Timeouts and retries come from settings (the client's defaults, 600 s and 2
retries, would hang a chat for minutes); every failure surfaces as ``LLMError``
so the caller can fall back to the extractive answer.

:class:`OpenAILLM` satisfies :class:`assistant.protocols.LLM`; the protocol and
its error are re-exported here for the modules that take "an LLM".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.protocols import LLM, LLMError
from assistant.settings import Settings

__all__ = ["LLM", "LLMError", "OpenAILLM"]


class OpenAILLM:
    """Thin wrapper over ``openai.OpenAI`` chat completions (an :class:`LLM`)."""

    def __init__(self, settings: Settings) -> None:
        import openai

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
        self.model = settings.llm_model
        self.settings = settings
        self._errors: tuple[type[BaseException], ...] = (openai.OpenAIError,)
        self.client = openai.OpenAI(api_key=key, base_url=settings.openai_base_url or None,
                                    timeout=settings.llm_timeout_s,
                                    max_retries=settings.llm_max_retries)

    def _args(self, messages: list[dict[str, str]], max_tokens: int | None) -> dict[str, Any]:
        return {"model": self.model, "messages": messages,
                "temperature": self.settings.llm_temperature,
                "max_tokens": max_tokens or self.settings.llm_max_tokens}

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        """The whole reply text."""
        try:
            resp = self.client.chat.completions.create(**self._args(messages, max_tokens))
            text = resp.choices[0].message.content
        except self._errors as exc:
            raise LLMError(f"LLM request failed: {type(exc).__name__}: {exc}") from exc
        except (IndexError, AttributeError) as exc:
            raise LLMError("LLM returned an empty or malformed response") from exc
        if not text:
            raise LLMError("LLM returned an empty answer")
        return str(text)

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None
               ) -> Iterator[str]:
        """Reply text deltas as they arrive."""
        try:
            stream = self.client.chat.completions.create(
                **self._args(messages, max_tokens), stream=True)
            finished = False
            for event in stream:
                if not event.choices:
                    continue
                if event.choices[0].delta.content:
                    yield event.choices[0].delta.content
                finished = finished or bool(event.choices[0].finish_reason)
        except self._errors as exc:
            raise LLMError(f"LLM stream failed: {type(exc).__name__}: {exc}") from exc
        if not finished:  # every OpenAI-compatible server ends with a finish_reason
            raise LLMError("LLM stream ended before the answer was complete")

    def ping(self) -> None:
        """Raise ``LLMError`` unless the server answers ``GET /models``."""
        try:
            self.client.with_options(timeout=min(5.0, self.settings.llm_timeout_s),
                                     max_retries=0).models.list()
        except self._errors as exc:
            raise LLMError(f"LLM not reachable: {exc}") from exc
