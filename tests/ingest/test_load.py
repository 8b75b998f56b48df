"""Loaders, one per format, and bad input that must never stop an ingest run."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.ingest.load import LoadError, iter_corpus_files, load_file
from assistant.settings import Settings
from tests.conftest import SEED
from tests.ingest.helpers import md, write

MB = 1024 * 1024


def load_one(root: Path, rel: str, max_bytes: int = MB):
    docs = load_file(root / rel, root, max_bytes)
    assert len(docs) == 1
    return docs[0]


# -- Markdown -----------------------------------------------------------------------------

def test_markdown_article_with_front_matter(tmp_path: Path) -> None:
    write(tmp_path / "articles/osaka.md", md(
        "Undici soci hanno visitato il Kansai.\n\n## Risultati\n\nSettantotto incontri B2B.\n",
        title="Missione a Osaka", date="2025-06-24", url="https://example.org/osaka",
        tags=["Missioni Internazionali", "Giappone"], visibility="Members", lang="it",
        author="Redazione"))
    doc = load_one(tmp_path, "articles/osaka.md")
    assert doc.doc_id == "articles/osaka.md"
    assert doc.source == "articles/osaka.md"
    assert doc.doc_type == "article"
    assert doc.title == "Missione a Osaka"
    assert doc.text.startswith("Undici soci hanno visitato il Kansai.")
    assert "---" not in doc.text and "title:" not in doc.text
    assert "## Risultati" in doc.text
    m = doc.metadata
    assert m["date"] == "2025-06-24"
    assert m["tags"] == ["missioni internazionali", "giappone"]
    assert m["visibility"] == "members" and doc.visibility == "members"
    assert m["url"] == "https://example.org/osaka"
    assert m["lang"] == "it" and m["author"] == "Redazione"
    assert len(doc.content_hash) == 64


@pytest.mark.parametrize(("date", "expected"), [
    ("2025-03-14", "2025-03-14"),             # YAML parses it into a date
    ("'2025-03-14T09:30:00+01:00'", "2025-03-14"),
    ("2025-03-14 09:30:00", "2025-03-14"),    # YAML datetime
])
def test_dates_are_normalised(tmp_path: Path, date: str, expected: str) -> None:
    write(tmp_path / "a.md", f"---\ntitle: T\ndate: {date}\n---\nTesto dell'articolo.\n")
    assert load_one(tmp_path, "a.md").metadata["date"] == expected


def test_markdown_ids_titles_and_tag_strings(tmp_path: Path) -> None:
    write(tmp_path / "x/with-id.md", md("Testo.", id="news-42", title="T", tags="Bandi, PNRR"))
    write(tmp_path / "x/heading.md", "Intro.\n\n# Titolo dal primo header\n\nTesto.\n")
    write(tmp_path / "x/plain-name.md", "Solo testo, nessun titolo.\n")
    doc = load_one(tmp_path, "x/with-id.md")
    assert doc.doc_id == "news-42" and doc.source == "x/with-id.md"
    assert doc.metadata["tags"] == ["bandi", "pnrr"]
    assert load_one(tmp_path, "x/heading.md").title == "Titolo dal primo header"
    assert load_one(tmp_path, "x/plain-name.md").title == "plain-name"
    assert load_one(tmp_path, "x/plain-name.md").metadata["visibility"] == "public"


def test_doc_id_and_hash_are_stable(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", md("Primo testo.", title="T"))
    first, again = load_one(tmp_path, "a.md"), load_one(tmp_path, "a.md")
    assert (first.doc_id, first.content_hash) == (again.doc_id, again.content_hash)
    path.write_text(md("Secondo testo.", title="T"))
    changed = load_one(tmp_path, "a.md")
    assert changed.doc_id == first.doc_id and changed.content_hash != first.content_hash


def test_member_profile_in_markdown(tmp_path: Path) -> None:
    write(tmp_path / "members/biolab.md", md(
        "BioLab sviluppa scaffold per la rigenerazione della cartilagine.",
        name="BioLab S.r.l.", kind="company", region="Lombardia", city="Milano",
        sectors=["Medicina Rigenerativa", "Biotecnologie"], founded=2012, employees="45",
        website="https://biolab.example"))
    doc = load_one(tmp_path, "members/biolab.md")
    assert doc.doc_type == "member"
    assert doc.doc_id == "members/biolab.md"
    assert doc.title == "BioLab S.r.l."
    m = doc.metadata
    assert m["kind"] == "company" and m["region"] == "Lombardia" and m["city"] == "Milano"
    assert m["sectors"] == ["medicina rigenerativa", "biotecnologie"]
    assert m["founded"] == 2012 and m["employees"] == 45
    assert "description" not in m
    lines = doc.text.splitlines()
    assert lines[0] == "BioLab S.r.l."
    assert "Tipo: azienda" in lines[1] and "Milano, Lombardia" in lines[1]
    assert "Fondazione: 2012" in doc.text and "Sito: https://biolab.example" in doc.text
    assert doc.text.endswith("rigenerazione della cartilagine.")


# -- plain text ---------------------------------------------------------------------------

def test_plain_text_title_is_first_line(tmp_path: Path) -> None:
    write(tmp_path / "news/fiera.txt",
          "Fiera MEDICA a Düsseldorf\n\nDodici soci hanno esposto nel padiglione italiano.\n"
          "Gli incontri sono stati quaranta.\n")
    doc = load_one(tmp_path, "news/fiera.txt")
    assert doc.doc_type == "article" and doc.doc_id == "news/fiera.txt"
    assert doc.title == "Fiera MEDICA a Düsseldorf"
    assert not doc.text.startswith("Fiera MEDICA")
    assert "padiglione italiano" in doc.text and "quaranta" in doc.text
    write(tmp_path / "one-line.txt", "Solo una riga di testo\n")
    one = load_one(tmp_path, "one-line.txt")
    assert one.title == "Solo una riga di testo" and one.text == one.title


def test_utf8_bom_and_windows_newlines(tmp_path: Path) -> None:
    write(tmp_path / "bom.txt", "\ufeffTitolo con BOM\r\nCorpo del testo.\r\n".encode())
    doc = load_one(tmp_path, "bom.txt")
    assert doc.title == "Titolo con BOM"
    assert "\r" not in doc.text and "\ufeff" not in doc.text


@pytest.mark.skipif(not SEED.exists(), reason=f"seed article not present: {SEED}")
def test_real_seed_article() -> None:
    doc = load_one(SEED.parent, SEED.name, max_bytes=20 * MB)
    assert doc.doc_id == SEED.name
    assert doc.doc_type == "article"
    assert doc.title.startswith("Due soci di ALISEI collaborano")
    assert "Japan Health" in doc.title
    assert len(doc.text) > 2000
    assert "Kansai" in doc.text
    assert doc.title not in doc.text[:len(doc.title) + 5]  # the title line is not the body
    assert "\u00a0\u00a0" not in doc.text and "\r" not in doc.text


# -- HTML -----------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html lang="it"><head>
<title>Fiera MEDICA 2025 | Cluster Vitalia</title>
<meta property="og:title" content="Fiera MEDICA 2025: i risultati dei soci">
<meta property="article:published_time" content="2025-11-20T10:00:00+01:00">
<meta name="author" content="Redazione Vitalia">
<link rel="canonical" href="https://www.example.org/news/medica-2025">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/soci">Elenco completo soci</a></li>
<li><a href="/contatti">Contatti della redazione</a></li></ul></nav>
<main><article><h1>Fiera MEDICA 2025: i risultati dei soci</h1>
<p>Dodici soci del cluster hanno partecipato alla fiera MEDICA di Düsseldorf con uno stand
collettivo nel padiglione italiano, accanto alle principali imprese europee del settore.</p>
<p>Gli incontri con i distributori tedeschi sono stati più di quaranta e due accordi
commerciali sono già stati firmati dai soci presenti allo stand collettivo.</p>
<p>La prossima edizione si terrà a novembre e le candidature apriranno in primavera per tutte
le imprese associate al cluster che vorranno esporre.</p>
</article></main>
<footer><p>Copyright 2025 Cluster Vitalia, via Roma 1, Milano. Informativa privacy e cookie
policy.</p></footer></body></html>"""


def test_html_main_content_title_and_date(tmp_path: Path) -> None:
    write(tmp_path / "news/medica.html", PAGE)
    doc = load_one(tmp_path, "news/medica.html")
    assert doc.doc_type == "article" and doc.doc_id == "news/medica.html"
    assert doc.title == "Fiera MEDICA 2025: i risultati dei soci"
    assert doc.metadata["date"] == "2025-11-20"
    assert doc.metadata["url"] == "https://www.example.org/news/medica-2025"
    assert "distributori tedeschi" in doc.text and "candidature apriranno" in doc.text
    for boilerplate in ("Elenco completo soci", "Contatti della redazione", "Copyright",
                        "cookie", "Home"):
        assert boilerplate not in doc.text
    assert "<p>" not in doc.text


def test_html_without_content_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "empty.html", "<html><head><title>x</title></head><body>"
                                   "<script>var a = 1;</script></body></html>")
    with pytest.raises(LoadError, match="no main content"):
        load_file(tmp_path / "empty.html", tmp_path, MB)


# -- PDF --------------------------------------------------------------------------------------

def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal valid one-page PDF (Helvetica text, correct xref offsets)."""
    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({ln}) '" for ln in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    if title:
        objs.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    info = f" /Info {len(objs)} 0 R" if title else ""
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{info} >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    write(tmp_path / "docs/rapporto.pdf", make_pdf(
        ["Rapporto annuale del cluster", "Il cluster conta 120 soci nel 2025."],
        title="Rapporto 2025"))
    write(tmp_path / "docs/untitled.pdf", make_pdf(["Verbale del consiglio", "Seduta del 3."]))
    doc = load_one(tmp_path, "docs/rapporto.pdf")
    assert doc.doc_type == "article" and doc.doc_id == "docs/rapporto.pdf"
    assert doc.title == "Rapporto 2025"
    assert "Il cluster conta 120 soci nel 2025." in doc.text
    assert load_one(tmp_path, "docs/untitled.pdf").title == "Verbale del consiglio"


def test_pdf_garbage_and_textless(tmp_path: Path) -> None:
    write(tmp_path / "bad.pdf", b"%PDF-1.4\nthis is not really a pdf\n")
    write(tmp_path / "blank.pdf", make_pdf([]))
    for name in ("bad.pdf", "blank.pdf"):
        with pytest.raises(LoadError, match="PDF"):
            load_file(tmp_path / name, tmp_path, MB)


# -- DOCX -------------------------------------------------------------------------------------

def test_docx_headings_become_markdown_headers(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Piano attività 2026", level=1)
    d.add_paragraph("Il piano prevede tre linee di lavoro per i soci.")
    d.add_heading("Missioni", level=2)
    d.add_paragraph("Sono previste due missioni all'estero.")
    d.add_paragraph("")
    buf = io.BytesIO()
    d.save(buf)
    write(tmp_path / "piano.docx", buf.getvalue())
    doc = load_one(tmp_path, "piano.docx")
    assert doc.doc_type == "article" and doc.doc_id == "piano.docx"
    assert doc.title == "Piano attività 2026"
    assert "## Piano attività 2026" in doc.text and "## Missioni" in doc.text
    assert doc.text.index("## Missioni") < doc.text.index("due missioni all'estero")
    assert "\n\n\n" not in doc.text


def test_docx_corrupt_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "bad.docx", b"PK\x03\x04 not a zip")
    with pytest.raises(LoadError, match="DOCX"):
        load_file(tmp_path / "bad.docx", tmp_path, MB)


# -- member profiles: YAML and CSV ------------------------------------------------------------

def test_member_profile_yaml(tmp_path: Path) -> None:
    write(tmp_path / "members/genomap.yaml",
          "name: GenoMap S.p.A.\nkind: research_institute\nregion: Emilia-Romagna\n"
          "city: Bologna\nsectors: [Genomica, Malattie Rare]\nfounded: 2001\nemployees: 120\n"
          "visibility: public\nlang: en\ndescription: |\n  GenoMap sequences rare disease "
          "genomes for hospitals.\n")
    write(tmp_path / "members/explicit.yml", "id: member-7\nname: Explicit\nkind: company\n")
    doc = load_one(tmp_path, "members/genomap.yaml")
    assert doc.doc_type == "member" and doc.doc_id == "members/genomap.yaml"
    assert doc.title == "GenoMap S.p.A."
    assert doc.metadata["sectors"] == ["genomica", "malattie rare"]
    assert doc.metadata["founded"] == 2001 and doc.metadata["employees"] == 120
    assert doc.text.splitlines()[1].startswith("Type: research institute")
    assert "Founded: 2001" in doc.text and "rare disease genomes" in doc.text
    assert load_one(tmp_path, "members/explicit.yml").doc_id == "member-7"


CSV = ("id,name,kind,region,city,sectors,founded,visibility,description\n"
       "m1,Alfa Med,company,Lombardia,Milano,Medtech; Diagnostica,1999,public,"
       "Alfa produce dispositivi diagnostici.\n"
       ",Beta Bio Lab,company,Veneto,Padova,Biotech,,members,\"Beta, laboratorio di biologia.\"\n")


def test_member_profiles_as_csv_rows(tmp_path: Path) -> None:
    write(tmp_path / "members/elenco.csv", CSV)
    docs = load_file(tmp_path / "members/elenco.csv", tmp_path, MB)
    assert [d.doc_id for d in docs] == ["members/elenco.csv#m1", "members/elenco.csv#beta-bio-lab"]
    alfa, beta = docs
    assert all(d.doc_type == "member" and d.source == "members/elenco.csv" for d in docs)
    assert alfa.title == "Alfa Med"
    assert alfa.metadata["sectors"] == ["medtech", "diagnostica"]
    assert alfa.metadata["founded"] == 1999
    assert "founded" not in beta.metadata
    assert beta.visibility == "members"
    assert "Beta, laboratorio di biologia." in beta.text
    assert alfa.content_hash != beta.content_hash
    # editing one row changes that row's hash only
    write(tmp_path / "members/elenco.csv", CSV.replace("dispositivi diagnostici",
                                                       "reagenti diagnostici"))
    alfa2, beta2 = load_file(tmp_path / "members/elenco.csv", tmp_path, MB)
    assert alfa2.content_hash != alfa.content_hash
    assert beta2.content_hash == beta.content_hash


# -- errors raised by load_file --------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bad-utf8.txt", b"Titolo\nCaff\xe8 e cornetto\n", "UTF-8"),
    ("empty.md", b"", "empty"),
    ("blank.txt", b"  \n\n\t\n", "empty"),
    ("front.md", b"---\ntitle: [non chiuso\n---\nTesto.\n", "front matter"),
    ("vis.md", b"---\ntitle: T\nvisibility: secret\n---\nTesto.\n", "visibility"),
    ("date.md", b"---\ntitle: T\ndate: 14/03/2025\n---\nTesto.\n", "date"),
    ("tags.md", b"---\ntitle: T\ntags: 3\n---\nTesto.\n", "tags"),
    ("founded.yaml", b"name: X\nkind: company\nfounded: circa 1990\n", "integer"),
    ("noname.yaml", b"kind: company\nregion: Lazio\n", "name"),
    ("list.yaml", b"- a\n- b\n", "mapping"),
    ("broken.yaml", b"name: [x\n", "YAML"),
    ("nocol.csv", b"nome,tipo\nAlfa,company\n", "name"),
    ("header-only.csv", b"name,kind\n", "no rows"),
    ("only-front.md", b"---\ntitle: T\n---\n\n", "no text"),
])
def test_load_errors(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    write(tmp_path / name, content)
    with pytest.raises(LoadError, match=reason):
        load_file(tmp_path / name, tmp_path, MB)


def test_oversized_file_is_refused_before_reading(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "big.txt", "Titolo\n" + "parola " * 3000)

    def no_read(self: Path) -> bytes:
        raise AssertionError("an oversized file must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(LoadError, match="too large"):
        load_file(tmp_path / "big.txt", tmp_path, 10_000)


def test_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "real.txt", "Titolo\nTesto vero.\n")
    write(tmp_path / "secret.txt", "Segreto\nFuori dal corpus.\n")
    (root / "inside.txt").symlink_to(root / "real.txt")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (root / "broken.txt").symlink_to(root / "missing.txt")
    (root / "loop.txt").symlink_to(root / "loop.txt")
    files = [p.name for p in iter_corpus_files(root)]
    assert files == ["broken.txt", "escape.txt", "inside.txt", "loop.txt", "real.txt"]
    assert load_one(root, "inside.txt").text == "Testo vero."
    with pytest.raises(LoadError, match="outside the corpus root"):
        load_file(root / "escape.txt", root, MB)
    for name in ("broken.txt", "loop.txt"):
        with pytest.raises(LoadError, match="broken symlink"):
            load_file(root / name, root, MB)


def test_iter_corpus_files_skips_hidden_drafts_readme_and_unsupported(tmp_path: Path) -> None:
    for rel in ("b/z.md", "a.txt", "b/a.yaml", ".git/x.md", "_drafts/y.md", "README.md",
                "b/.hidden.md", "notes.rtf", "img.png", "c/data.CSV"):
        write(tmp_path / rel, "x\n")
    (tmp_path / "dir.md").mkdir()
    got = [p.relative_to(tmp_path).as_posix() for p in iter_corpus_files(tmp_path)]
    assert got == ["a.txt", "b/a.yaml", "b/z.md", "c/data.CSV"]


# -- a whole run with bad input ---------------------------------------------------------------

def test_bad_files_never_stop_an_ingest(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "corpus"
    write(root / "good.md", md("Il cluster apre il bando per giovani imprese biotech.",
                               title="Bando giovani imprese"))
    write(root / "members/good.yaml", "name: Gamma Lab\nkind: company\nregion: Piemonte\n"
                                      "description: Gamma Lab analizza campioni clinici.\n")
    bad = {
        "bad-utf8.txt": (b"Titolo\nCaff\xe8\n", "UTF-8"),
        "empty.md": (b"", "empty"),
        "big.txt": (("Titolo\n" + "parola " * 3000).encode(), "too large"),
        "front.md": (b"---\ntitle: [x\n---\nTesto.\n", "front matter"),
        "vis.md": (b"---\nvisibility: staff-only\n---\nTesto.\n", "visibility"),
        "members/founded.yaml": (b"name: Delta\nkind: company\nfounded: 19x0\n", "integer"),
    }
    for rel, (content, _) in bad.items():
        write(root / rel, content)
    write(tmp_path / "outside.md", md("Fuori.", title="Fuori"))
    (root / "escape.md").symlink_to(tmp_path / "outside.md")
    (root / "broken.md").symlink_to(root / "nowhere.md")
    (root / "link-to-good.md").symlink_to(root / "good.md")
    expected_failed = {**{k: v[1] for k, v in bad.items()},
                       "escape.md": "outside the corpus root", "broken.md": "broken symlink"}
    if os.geteuid() != 0:  # root reads through chmod 000
        write(root / "locked.md", md("Chiuso.", title="Chiuso")).chmod(0)
        expected_failed["locked.md"] = "unreadable"
    settings = Settings(corpus_dir=root, index_dir=tmp_path / "index", max_file_mb=0.01)
    idx = Index(settings, embedder=embedder)
    try:
        report = idx.ingest()
        assert set(report.failed) == set(expected_failed)
        for rel, reason in expected_failed.items():
            assert reason in report.failed[rel], (rel, report.failed[rel])
        assert not report.ok
        assert sorted(report.added) == ["good.md", "link-to-good.md", "members/good.yaml"]
        assert set(idx.manifest.docs()) == set(report.added)
        assert idx.vectors.count()["public"] == report.chunks_written == 3
        # a file that used to be fine and now fails keeps its last good version
        write(root / "good.md", "---\nvisibility: nobody\n---\nTesto.\n")
        again = idx.ingest()
        assert "visibility" in again.failed["good.md"]
        assert again.removed == [] and "good.md" in idx.manifest.docs()
    finally:
        idx.close()
