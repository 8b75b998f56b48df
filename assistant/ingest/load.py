"""Loaders: turn corpus files into :class:`Document` objects with stable ids.

Supported: Markdown with YAML front matter, plain text (scraped pages, title on the
first line), HTML (main content via trafilatura), PDF, DOCX, member profiles as
YAML, Markdown or CSV rows. Every failure raises :class:`LoadError` with a reason
that the ingest report shows; nothing here stops a whole run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.ingest.repair import REPAIR_VERSION, repair_document
from assistant.ingest.safe_yaml import YamlRefused, load_front_matter, load_yaml
from assistant.models import VISIBILITIES, Document
from assistant.text import clean_text

LOADER_VERSION = "1"
SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".yaml", ".yml",
             ".csv"}
MEMBER_FIELDS = ("kind", "region", "city", "sectors", "website", "founded", "employees")
_KIND_IT = {"company": "azienda", "university": "università",
            "research_institute": "istituto di ricerca", "hospital": "ospedale/IRCCS",
            "foundation": "fondazione", "regional_cluster": "cluster regionale",
            "association": "associazione"}


class LoadError(Exception):
    """A file that cannot be turned into documents; the message is the reason."""


class DocumentTooLarge(LoadError):
    """More extracted text than ``ASSISTANT_MAX_DOC_CHARS``: refused before chunking."""


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Supported files under ``root``, sorted; never follows links out of the root."""
    root_real = root.resolve()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(p.startswith((".", "_")) for p in rel.parts) or path.name.lower() == "readme.md":
            continue
        if path.suffix.lower() not in SUPPORTED:
            continue
        if path.is_symlink():
            target = _link_target(path)
            if target is None or not target.is_relative_to(root_real) or target.is_file():
                yield path  # broken, looping or escaping links: reported by load_file, never read
            continue
        if path.is_file():
            yield path


def _link_target(path: Path) -> Path | None:
    """Where a symlink finally leads; None when it is broken or loops."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: symlink loop (Python 3.11)
        return None


def load_file(path: Path, root: Path, max_bytes: int, *, repair: bool = True,
              max_chars: int | None = None) -> list[Document]:
    """Load one corpus file into one or more documents (CSV: one per row).

    ``repair``: split words glued by scraping in .txt and .html sources. ``max_chars``:
    a document with more extracted text is refused (:class:`DocumentTooLarge`): a few
    KB of compressed DOCX can expand to megabytes that would take minutes to index.
    """
    docs = _load(path, root, max_bytes, repair)
    for d in docs:
        if max_chars is not None and len(d.text) > max_chars:
            raise DocumentTooLarge(f"document too long: {len(d.text):,} characters of text "
                                   f"(at most {max_chars:,})")
    return docs


def _load(path: Path, root: Path, max_bytes: int, repair: bool) -> list[Document]:
    if path.is_symlink():
        target = _link_target(path)
        if target is None:
            raise LoadError("broken symlink (missing target or a loop)")
        if not target.is_relative_to(root.resolve()):
            raise LoadError("symlink points outside the corpus root")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise LoadError("empty file")
    rel = path.relative_to(root).as_posix()
    ext = path.suffix.lower()
    repair = repair and ext in (".txt", ".html", ".htm")
    # the repair rule shapes the text: turning it on/off or changing it re-indexes the file
    salt = f"{LOADER_VERSION}+repair{REPAIR_VERSION}" if repair else LOADER_VERSION
    digest = hashlib.sha256(salt.encode() + raw).hexdigest()
    if ext == ".pdf":
        docs = [_from_pdf(raw, rel)]
    elif ext == ".docx":
        docs = [_from_docx(raw, rel)]
    else:
        text = _decode(raw)
        if ext == ".csv":
            return _from_csv(text, rel)
        docs = [_from_text(text, ext, rel, repair)]
    for d in docs:
        d.content_hash = digest
        d.source = rel
    return docs


def _decode(raw: bytes) -> str:
    try:
        return clean_text(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"not valid UTF-8 (byte {exc.start})") from exc


def _from_text(text: str, ext: str, rel: str, repair: bool = False) -> Document:
    if ext in (".yaml", ".yml"):
        return member_document(profile_mapping(text), rel)
    if ext in (".md", ".markdown"):
        try:
            post = load_front_matter(text)
        except YamlRefused as exc:
            raise LoadError(f"front matter: {exc}") from None
        except Exception:  # frontmatter surfaces value errors of its own
            raise LoadError("malformed front matter") from None
        meta, body = dict(post.metadata), post.content
        if meta.get("doc_type") == "member" or "kind" in meta:
            meta.setdefault("description", body)
            return member_document(meta, rel)
        title = str(meta.pop("title", "") or _first_heading(body) or Path(rel).stem)
        return article_document(rel, title, body, meta)
    if ext in (".html", ".htm"):
        return _from_html(text, rel, repair)
    lines = text.strip().splitlines()
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    return _scraped_article(rel, title, body, {}, repair)


def _scraped_article(rel: str, title: str, body: str, meta: dict[str, Any],
                     repair: bool) -> Document:
    """An article from scraped text, glued words split first (count in the metadata)."""
    title, body, splits = repair_document(title, body, repair)
    doc = article_document(rel, title, body or title, meta)
    if splits:
        doc.metadata["repaired_splits"] = splits
    return doc


def profile_mapping(text: str) -> dict[str, Any]:
    """The fields of a YAML member profile (also used to validate API uploads)."""
    try:
        data = load_yaml(text)
    except YamlRefused as exc:
        raise LoadError(str(exc)) from None
    if not isinstance(data, dict):
        raise LoadError("YAML profile must be a mapping")
    return data


def _first_heading(body: str) -> str | None:
    m = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    return m.group(1).strip() if m else None


def _from_html(text: str, rel: str, repair: bool = False) -> Document:
    import trafilatura

    body = trafilatura.extract(text, include_comments=False, include_tables=True,
                               favor_precision=True)
    meta = trafilatura.extract_metadata(text)
    if not body:
        raise LoadError("no main content found in HTML")
    fields: dict[str, Any] = {}
    if meta is not None:
        fields = {"date": meta.date, "url": meta.url, "author": meta.author,
                  "description": meta.description}
    title = (meta.title if meta is not None and meta.title else None) or Path(rel).stem
    return _scraped_article(rel, title, clean_text(body), {k: v for k, v in fields.items() if v},
                            repair)


def _from_pdf(raw: bytes, rel: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [p.extract_text() or "" for p in reader.pages]
        meta = reader.metadata
        info_title = meta.get("/Title") if meta is not None else None
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(f"unreadable PDF: {exc}") from exc
    body = clean_text("\n\n".join(p.strip() for p in pages if p.strip()))
    if not body:
        raise LoadError("PDF has no extractable text")
    title = str(info_title or body.splitlines()[0])[:200]
    return article_document(rel, title, body, {})


def _from_docx(raw: bytes, rel: str) -> Document:
    import docx

    try:
        d = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises several unrelated types on bad zips
        raise LoadError(f"unreadable DOCX: {exc}") from exc
    parts: list[str] = []
    for p in d.paragraphs:
        if not p.text.strip():
            continue
        style = (p.style.name if p.style is not None else "") or ""
        parts.append(f"## {p.text.strip()}" if style.startswith("Heading") else p.text.strip())
    if not parts:
        raise LoadError("DOCX has no text")
    title = str(d.core_properties.title or parts[0].lstrip("# "))
    return article_document(rel, title, clean_text("\n\n".join(parts)), {})


def csv_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a CSV; :class:`LoadError` (with the line, no values) when malformed,
    e.g. a field over the csv module's 131,072-character limit."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error:
        raise LoadError(f"malformed CSV at line {reader.line_num}") from None


def _from_csv(text: str, rel: str) -> list[Document]:
    rows = csv_rows(text)
    if not rows:
        raise LoadError("CSV has no rows")
    if "name" not in rows[0]:
        raise LoadError("CSV of members needs a 'name' column")
    docs = []
    for i, row in enumerate(rows, start=2):
        data: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        data["sectors"] = [s.strip() for s in data.get("sectors", "").split(";") if s.strip()]
        rid = data.pop("id", "") or _slug(data.get("name", "")) or f"row{i}"
        doc = member_document(data, f"{rel}#{rid}")
        doc.content_hash = hashlib.sha256(
            (LOADER_VERSION + repr(sorted(row.items()))).encode()).hexdigest()
        doc.source = rel
        docs.append(doc)
    return docs


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def _norm_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", str(value).strip())
    if not m:
        raise LoadError("invalid date (expected YYYY-MM-DD)")
    return m.group(1)


def _common_meta(meta: dict[str, Any]) -> dict[str, Any]:
    vis = str(meta.get("visibility") or "public").strip().lower()
    if vis not in VISIBILITIES:
        raise LoadError(f"invalid visibility (expected one of {', '.join(VISIBILITIES)})")
    out: dict[str, Any] = {"visibility": vis}
    for key in ("url", "author", "lang", "region", "city", "kind", "website", "description"):
        if meta.get(key) not in (None, ""):
            out[key] = str(meta[key]).strip()
    for key in ("tags", "sectors"):
        val = meta.get(key) or []
        if isinstance(val, str):
            val = [v.strip() for v in re.split(r"[;,]", val)]
        if not isinstance(val, list):
            raise LoadError(f"'{key}' must be a list")
        out[key] = [str(v).strip().lower() for v in val if str(v).strip()]
    date = _norm_date(meta.get("date"))
    if date:
        out["date"] = date
    return out


def article_document(rel: str, title: str, body: str, meta: dict[str, Any]) -> Document:
    """Build an article document; ``meta`` is the raw front matter."""
    doc_id = str(meta.get("id") or rel)
    if not body.strip():
        raise LoadError("document has no text")
    return Document(doc_id=doc_id, doc_type="article", title=clean_text(title).strip(),
                    text=body.strip(), metadata=_common_meta(meta))


def member_document(data: dict[str, Any], rel: str) -> Document:
    """Build a member profile; its key fields are rendered at the top of the text."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise LoadError("member profile needs a 'name'")
    if _CONTROL.search(name):
        raise LoadError("member 'name' contains control characters")
    meta = _common_meta(data)
    meta.pop("description", None)
    for key in ("founded", "employees"):
        if data.get(key) not in (None, ""):
            try:  # .inf and 1e400 overflow; the value itself is never echoed
                meta[key] = int(data[key])
            except (TypeError, ValueError, OverflowError):
                raise LoadError(f"'{key}' must be an integer") from None
    meta["name"] = name
    text = render_member(name, meta, str(data.get("description") or "").strip())
    return Document(doc_id=str(data.get("id") or rel), doc_type="member", title=name,
                    text=text, metadata=meta)


def render_member(name: str, meta: dict[str, Any], description: str) -> str:
    """The profile's fields as readable lines, followed by the free description."""
    en = meta.get("lang") == "en"
    kind = meta.get("kind", "")
    lines = [name]
    loc = ", ".join(x for x in (meta.get("city"), meta.get("region")) if x)
    head = (f"Type: {kind.replace('_', ' ')}" if en else f"Tipo: {_KIND_IT.get(kind, kind)}")
    lines.append(head + (f" · {'Location' if en else 'Sede'}: {loc}" if loc else ""))
    if meta.get("sectors"):
        lines.append(f"{'Sectors' if en else 'Settori'}: {', '.join(meta['sectors'])}")
    facts = []
    if "founded" in meta:
        facts.append(f"{'Founded' if en else 'Fondazione'}: {meta['founded']}")
    if "employees" in meta:
        facts.append(f"{'Employees' if en else 'Dipendenti'}: {meta['employees']}")
    if facts:
        lines.append(" · ".join(facts))
    if meta.get("website"):
        lines.append(f"{'Website' if en else 'Sito'}: {meta['website']}")
    return "\n".join(lines) + ("\n\n" + clean_text(description) if description else "")
