"""Directory questions understood by the LLM, through function calling.

When an LLM is configured, it fills a JSON filter schema (the ``tools`` API with a
forced call), whose enums are the sectors, places and kinds the table knows: it
can paraphrase freely ("startup che fanno app per la salute") but can only answer
with values that exist. It must also say whether the question is a directory
question at all; "no" and "unsure" both mean normal retrieval. Any failure
(network, refusal, malformed arguments) raises :class:`DirectoryLLMError` and the
caller falls back to the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from assistant.directory.query import DirectoryQuery, language
from assistant.directory.table import MemberFilter
from assistant.directory.vocab import KINDS, PLACE_FORMS
from assistant.rag.llm import LLM
from assistant.text import fold

TOOL_NAME = "member_directory_query"
SYSTEM = """You route questions for the assistant of Cluster VITALIA, an Italian \
life-sciences cluster. Decide whether the user's question asks to LIST or COUNT cluster \
members selected only by these profile fields: sector, region or area, city, kind of \
organisation, founding year, number of employees. Questions about events, projects, news, \
missions, calls, people, or anything a member did are NOT directory questions. If you are \
not sure, answer "unsure". Always call the function {tool}. Bounds are strict: "founded \
after 2015" is founded_after=2015, "founded in 2016" is founded_after=2015 and \
founded_before=2017. Sectors: several sectors joined by "and" need all of them \
(sector_mode "all"), joined by "or" any of them. Use only the allowed values."""


class DirectoryLLMError(RuntimeError):
    """The LLM could not fill the schema; use the rules instead."""


def tool_schema(sectors: Sequence[str]) -> dict[str, Any]:
    """The function the LLM must call: every field optional except the verdict."""
    year = {"type": ["integer", "null"], "minimum": 1000, "maximum": 2200}
    count = {"type": ["integer", "null"], "minimum": 0}
    props: dict[str, Any] = {
        "is_directory_question": {"type": "string", "enum": ["yes", "no", "unsure"]},
        "intent": {"type": "string", "enum": ["list", "count"]},
        "sectors": {"type": "array", "items": {"type": "string", "enum": list(sectors)}},
        "sector_mode": {"type": "string", "enum": ["any", "all"]},
        "places": {"type": "array", "items": {"type": "string", "enum": list(PLACE_FORMS)},
                   "description": "Regions; 'Trentino' / 'Alto Adige' are the two provinces; "
                                  "'Nord', 'Centro', 'Mezzogiorno' are macro-areas."},
        "cities": {"type": "array", "items": {"type": "string"}},
        "kinds": {"type": "array", "items": {"type": "string", "enum": list(KINDS)}},
        "founded_after": year, "founded_before": year,
        "employees_over": count, "employees_under": count,
    }
    return {"type": "function", "function": {
        "name": TOOL_NAME, "description": "Filter of a member-directory question.",
        "parameters": {"type": "object", "properties": props,
                       "required": ["is_directory_question"]}}}


def _call(llm: LLM, question: str, sectors: Sequence[str]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": llm.model, "temperature": 0, "max_tokens": 300,
        "messages": [{"role": "system", "content": SYSTEM.format(tool=TOOL_NAME)},
                     {"role": "user", "content": question}],
        "tools": [tool_schema(sectors)],
        "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}}}
    try:
        resp = llm.client.chat.completions.create(**request)
        args = resp.choices[0].message.tool_calls[0].function.arguments
        data = json.loads(args)
    except Exception as exc:  # openai errors, no tool call, bad JSON: all mean "use rules"
        raise DirectoryLLMError(f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict):
        raise DirectoryLLMError("function arguments are not an object")
    return data


def parse_with_llm(llm: LLM, question: str, sectors: Sequence[str],
                   cities: Sequence[str]) -> DirectoryQuery | None:
    """The LLM's reading of ``question``; None when it is not (surely) a directory question."""
    data = _call(llm, question, sectors)
    if data.get("is_directory_question") != "yes":
        return None
    known = {fold(c): c for c in cities}
    fields: dict[str, Any] = {k: data[k] for k in MemberFilter.model_fields
                              if data.get(k) is not None}
    fields["cities"] = [known.get(fold(str(c)), str(c)) for c in data.get("cities") or []]
    allowed = {"sectors": set(sectors), "places": set(PLACE_FORMS), "kinds": set(KINDS)}
    for key, values in allowed.items():
        if any(v not in values for v in fields.get(key, [])):
            raise DirectoryLLMError(f"{key} outside the schema: {fields[key]}")
    try:
        flt = MemberFilter(**fields)
        return DirectoryQuery(intent=data.get("intent") or "list", filter=flt,
                              lang=language(question), source="llm")
    except ValidationError as exc:
        raise DirectoryLLMError(f"invalid filter: {exc.errors()[0]['msg']}") from exc
