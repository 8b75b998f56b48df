"""``GET /v1/members`` through the FastAPI TestClient, and ``assistant members``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.cli import app as cli_app
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.directory.conftest import SECRET
from tests.fakes import FakeEmbedder

MEMBER_KEY = {"Authorization": "Bearer k-member"}


@pytest.fixture
def client(dir_settings: Settings, fake_embedder: FakeEmbedder) -> Iterator[TestClient]:
    s = dir_settings.model_copy(update={"api_keys": {"k-member": "member"},
                                        "rate_limit_per_minute": 100_000})
    assistant = Assistant(s, Index(s, embedder=fake_embedder))
    with TestClient(create_app(s, assistant=assistant)) as c:
        yield c
    assistant.index.close()


def _names(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list) and body["total"] == len(items)
    return [i["name"] for i in items]


def test_lists_by_sector_region_kind(client: TestClient) -> None:
    r = client.get("/v1/members", params={"sector": "rigenerativa", "region": "lombarde"},
                   headers=MEMBER_KEY)
    assert r.status_code == 200, r.text
    assert _names(r.json()) == [SECRET, "Rigenera Lab S.r.l."]
    item = r.json()["items"][1]
    assert item == {"doc_id": "members/rigenera.yaml", "name": "Rigenera Lab S.r.l.",
                    "kind": "company", "region": "Lombardia", "city": "Milano",
                    "sectors": ["medicina rigenerativa", "biotecnologie"], "founded": 2015,
                    "employees": 22, "visibility": "public", "website": ""}
    r = client.get("/v1/members?kind=company&region=Trentino&region=Alto%20Adige"
                   "&founded_after=2001")
    assert _names(r.json()) == ["Dolomed Devices S.r.l."]
    r = client.get("/v1/members", params={"city": "Como", "founded_before": 1960})
    assert _names(r.json()) == ["Ospedale del Lago"]


def test_anonymous_never_sees_member_only_profiles(client: TestClient) -> None:
    everyone = _names(client.get("/v1/members").json())
    assert len(everyone) == 5 and SECRET not in everyone
    assert SECRET in _names(client.get("/v1/members", headers=MEMBER_KEY).json())


def test_unknown_values_are_422(client: TestClient) -> None:
    r = client.get("/v1/members", params={"region": "Atlantide"})
    assert r.status_code == 422 and "unknown region 'Atlantide'" in r.json()["detail"]
    assert client.get("/v1/members", params={"founded_after": "ieri"}).status_code == 422


def test_cli_members(dir_settings: Settings) -> None:
    runner = CliRunner()
    out = runner.invoke(cli_app, ["members", "--index", str(dir_settings.index_dir),
                                  "--sector", "medtech", "--role", "anonymous", "--json"])
    assert out.exit_code == 0, out.output
    assert [i["name"] for i in json.loads(out.stdout)["items"]] == [
        "Bolzamed S.r.l.", "Dolomed Devices S.r.l."]
    bad = runner.invoke(cli_app, ["members", "--index", str(dir_settings.index_dir),
                                  "--kind", "pianeta"])
    assert bad.exit_code == 1
