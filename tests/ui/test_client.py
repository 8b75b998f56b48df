"""The UI's HTTP client against the real server: roles, streaming, staff-only calls."""

from __future__ import annotations

import httpx
import pytest

from assistant.ui.client import ApiClient, ApiError
from tests.ui.conftest import LiveUI

pytestmark = pytest.mark.slow  # starts uvicorn with the UI over an indexed corpus


def test_me_reports_the_role_of_each_key(ui_server: LiveUI) -> None:
    assert ApiClient(ui_server.url).me()["role"] == "anonymous"
    assert ApiClient(ui_server.url, "k-member").me()["role"] == "member"
    assert ApiClient(ui_server.url, " k-staff ").me()["staff"] is True
    with pytest.raises(ApiError) as err:
        ApiClient(ui_server.url, "nope").me()
    assert err.value.status == 401


def test_chat_streams_tokens_then_citations_then_done(ui_server: LiveUI) -> None:
    events = list(ApiClient(ui_server.url).chat_stream(
        [{"role": "user", "content": "Quanto vale il bando Ponti di Innovazione 2024?"}],
        {"doc_type": "article"}))
    kinds = [k for k, _ in events]
    assert kinds.count("token") > 3 and kinds[-2:] == ["citations", "done"]
    done = events[-1][1]
    assert "".join(d["text"] for k, d in events if k == "token") == done["answer"]
    assert done["answer_id"] and done["citations"]


def test_staff_calls_are_refused_to_members_by_the_api(ui_server: LiveUI) -> None:
    member = ApiClient(ui_server.url, "k-member")
    with pytest.raises(ApiError) as err:
        member.upload("uploads/x.md", "x.md", b"# x\n\ntesto di prova\n")
    assert err.value.status == 403
    with pytest.raises(ApiError) as err:
        member.draft({"topic": "missioni"})
    assert err.value.status == 403


def test_the_ui_is_served_at_root_and_the_api_keeps_its_paths(ui_server: LiveUI) -> None:
    with httpx.Client(base_url=ui_server.url, timeout=30) as h:
        page = h.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert h.get("/healthz").json() == {"status": "ok"}
        assert h.get("/openapi.json").json()["paths"]["/v1/me"]
        assert h.get("/v1/documents").status_code == 200


def test_unreachable_api_is_a_clean_error() -> None:
    with pytest.raises(ApiError) as err:
        ApiClient("http://127.0.0.1:9").me()
    assert err.value.status == 0
