"""The member table: in step with ingestion, rebuilt lazily, visibility on every read."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.directory.table import MemberFilter, MemberRow, MemberTable
from assistant.facade import Assistant
from assistant.models import VISIBILITIES
from tests.directory.conftest import SECRET, profile

PUBLIC = ("public",)


def _names(rows: list[MemberRow]) -> set[str]:
    return {r.name for r in rows}


def test_rows_carry_the_profile_fields(assistant: Assistant) -> None:
    rows = {r.name: r for r in assistant.directory.table.rows(VISIBILITIES)}
    assert len(rows) == 6  # five YAML profiles and one CSV row; articles are not members
    r = rows["Rigenera Lab S.r.l."]
    assert (r.kind, r.region, r.city, r.founded, r.employees, r.visibility) == (
        "company", "Lombardia", "Milano", 2015, 22, "public")
    assert r.sectors == ("medicina rigenerativa", "biotecnologie")
    assert r.doc_id == "members/rigenera.yaml"
    assert rows["Ospedale del Lago"].doc_id.startswith("members/altri.csv#")


def test_member_only_profiles_are_hidden_from_anonymous(assistant: Assistant) -> None:
    table = assistant.directory.table
    assert SECRET in _names(table.rows(VISIBILITIES))
    assert SECRET not in _names(table.rows(PUBLIC))
    assert SECRET not in _names(table.select(MemberFilter(), PUBLIC))
    regen = MemberFilter(sectors=["medicina rigenerativa"], places=["Lombardia"])
    assert _names(table.select(regen, PUBLIC)) == {"Rigenera Lab S.r.l."}
    assert _names(table.select(regen, VISIBILITIES)) == {"Rigenera Lab S.r.l.", SECRET}


def test_table_follows_ingestion(assistant: Assistant) -> None:
    table, corpus = assistant.directory.table, assistant.settings.corpus_dir
    before = _names(table.rows(VISIBILITIES))
    (corpus / "members" / "nuovo.yaml").write_text(profile(
        "Nuovo Socio S.r.l.", "company", "Veneto", "Padova", ["diagnostica"], 2021, 5))
    assistant.index.ingest()
    assert _names(table.rows(VISIBILITIES)) == before | {"Nuovo Socio S.r.l."}
    (corpus / "members" / "dolomed.yaml").unlink()
    (corpus / "members" / "bolzamed.yaml").write_text(profile(
        "Bolzamed S.r.l.", "company", "Trentino-Alto Adige", "Bolzano", ["diagnostica"], 2001,
        140))
    assistant.index.ingest()
    rows = {r.name: r for r in table.rows(VISIBILITIES)}
    assert "Dolomed Devices S.r.l." not in rows
    assert rows["Bolzamed S.r.l."].sectors == ("diagnostica",)
    assert _names(table.select(MemberFilter(sectors=["diagnostica"]), VISIBILITIES)) == {
        "Nuovo Socio S.r.l.", "Bolzamed S.r.l."}


def test_rebuilt_only_when_the_manifest_changes(assistant: Assistant,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    table = MemberTable(assistant.index.manifest)
    reads: list[int] = []
    docs = assistant.index.manifest.docs

    def counted() -> Any:
        reads.append(1)
        return docs()

    monkeypatch.setattr(assistant.index.manifest, "docs", counted)
    for _ in range(3):
        table.rows(VISIBILITIES)
    assert len(reads) == 1
    assistant.delete_document("members/ateneo.yaml")  # the API's way of writing
    reads.clear()
    assert "Politecnico Subalpino" not in _names(table.rows(VISIBILITIES))
    table.rows(PUBLIC)
    assert len(reads) == 1 and table.version == assistant.index.manifest.version


@pytest.mark.parametrize(("flt", "expected"), [
    (MemberFilter(places=["Trentino"]), {"Dolomed Devices S.r.l."}),
    (MemberFilter(places=["Alto Adige"]), {"Bolzamed S.r.l."}),
    (MemberFilter(places=["Trentino-Alto Adige"]), {"Dolomed Devices S.r.l.", "Bolzamed S.r.l."}),
    (MemberFilter(places=["Nord"], kinds=["university"]), {"Politecnico Subalpino"}),
    (MemberFilter(founded_after=2015), {"Dolomed Devices S.r.l.", SECRET}),  # strict bound
    (MemberFilter(founded_after=2014, founded_before=2016), {"Rigenera Lab S.r.l."}),
    (MemberFilter(employees_over=140), {"Politecnico Subalpino", "Ospedale del Lago"}),
    (MemberFilter(sectors=["medtech", "medicina rigenerativa"], sector_mode="all"),
     {"Dolomed Devices S.r.l."}),
    (MemberFilter(sectors=["medtech", "bioinformatica"], sector_mode="any"),
     {"Dolomed Devices S.r.l.", "Bolzamed S.r.l.", "Politecnico Subalpino"}),
    (MemberFilter(cities=["como"], kinds=["hospital"]), {"Ospedale del Lago"}),
])
def test_filter_semantics(assistant: Assistant, flt: MemberFilter, expected: set[str]) -> None:
    assert _names(assistant.directory.table.select(flt, VISIBILITIES)) == expected
