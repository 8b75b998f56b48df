"""Loader limits: YAML aliases bounded, extracted text capped, value-free errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.load import DocumentTooLarge, LoadError, load_file
from assistant.ingest.safe_yaml import YamlRefused, load_front_matter, load_yaml
from tests.ingest.helpers import write
from tests.support import alias_bomb

MB = 1024 * 1024


def test_alias_bomb_recursion_and_depth_are_refused_without_values() -> None:
    with pytest.raises(YamlRefused, match="alias") as err:
        load_yaml(alias_bomb())
    assert "lol" not in str(err.value)
    with pytest.raises(YamlRefused, match="recursive"):
        load_yaml("a: &a [*a]\n")
    with pytest.raises(YamlRefused):
        load_yaml("[" * 50_000)
    with pytest.raises(YamlRefused, match="line 3") as err:
        load_yaml("name: Segreto Uno\nkind: [company\nregion: x: y\n")
    assert "Segreto" not in str(err.value)


def test_ordinary_aliases_and_front_matter_still_load() -> None:
    assert load_yaml("base: &b {region: Lazio}\nsede: *b\n") == {
        "base": {"region": "Lazio"}, "sede": {"region": "Lazio"}}
    post = load_front_matter("---\ntitle: Uno\n---\nTesto.\n")
    assert post.metadata == {"title": "Uno"} and post.content == "Testo."
    assert load_front_matter("Solo testo.\n").content == "Solo testo."


def test_bomb_in_a_corpus_file_is_a_load_error(tmp_path: Path) -> None:
    write(tmp_path / "members/bomba.yaml", alias_bomb())
    with pytest.raises(LoadError, match="alias") as err:
        load_file(tmp_path / "members/bomba.yaml", tmp_path, MB)
    assert "lol" not in str(err.value)


def test_extracted_text_over_the_cap_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "articles/lungo.md", "# Lungo\n\n" + "parola " * 3000)
    path = tmp_path / "articles/lungo.md"
    assert load_file(path, tmp_path, MB, max_chars=50_000)
    with pytest.raises(DocumentTooLarge, match="at most 10,000"):
        load_file(path, tmp_path, MB, max_chars=10_000)


def test_field_errors_never_echo_values(tmp_path: Path) -> None:
    write(tmp_path / "members/a.yaml", "name: A\nkind: company\nfounded: SEGRETO-123\n")
    with pytest.raises(LoadError) as err:
        load_file(tmp_path / "members/a.yaml", tmp_path, MB)
    assert "SEGRETO" not in str(err.value)
    write(tmp_path / "members/b.yaml", "name: B\nkind: company\nfounded: .inf\n")
    with pytest.raises(LoadError, match="integer"):
        load_file(tmp_path / "members/b.yaml", tmp_path, MB)
    write(tmp_path / "members/c.csv", "name,kind\nC\x01 S.r.l.,company\n")
    with pytest.raises(LoadError, match="control"):
        load_file(tmp_path / "members/c.csv", tmp_path, MB)
