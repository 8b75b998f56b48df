"""Documents written through the API become files under ``<corpus>/uploads/``.

So a later ``assistant ingest`` (which mirrors the corpus folder) keeps them instead
of deleting them from the index. Each document is saved in a form the loaders read
back to the very same document: Markdown with an ``id:`` front-matter field (JSON
bodies, .md/.txt/.html/.pdf/.docx uploads, converted to their extracted text) or a
YAML profile with an ``id`` key (.yaml/.yml, one-row .csv). The saved file is what
gets loaded and indexed, so its content hash matches and the next ingest is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from assistant.ingest.index import Index, IngestReport
from assistant.ingest.load import (
    SUPPORTED,
    DocumentTooLarge,
    LoadError,
    csv_rows,
    load_file,
    profile_mapping,
)
from assistant.ingest.safe_yaml import YamlRefused, load_front_matter
from assistant.models import Document
from assistant.settings import Settings

UPLOADS = "uploads"
_HEADING = re.compile(r"^#\s+\S", re.MULTILINE)
_CONVERTED = {".txt", ".html", ".htm", ".pdf", ".docx"}


class UploadError(ValueError):
    """The upload cannot become a document; the message says why (a 4xx for the client)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def upload_stem(doc_id: str) -> str:
    """A safe, stable file name for a document id (ids may contain '/', '#', spaces ...)."""
    slug = re.sub(r"[^a-z0-9]+", "-", doc_id.lower()).strip("-")[:60] or "doc"
    return f"{slug}-{hashlib.sha256(doc_id.encode()).hexdigest()[:10]}"


def is_upload(source: str) -> bool:
    return source.startswith(UPLOADS + "/")


def check_length(text: str, settings: Settings) -> None:
    """413 for more text than ``ASSISTANT_MAX_DOC_CHARS``, before any chunking."""
    if len(text) > settings.max_doc_chars:
        raise UploadError(f"document too long: {len(text):,} characters of text (at most "
                          f"{settings.max_doc_chars:,})", status=413)


def from_json(doc_id: str, title: str, text: str, doc_type: str,
              metadata: dict[str, Any], settings: Settings) -> tuple[str, bytes]:
    """(extension, file content) for a document given as JSON."""
    check_length(text, settings)
    if doc_type == "member":
        meta = {"id": doc_id, "doc_type": "member", "name": title, **metadata}
    else:
        meta = {"id": doc_id, "title": title, **metadata}
    return ".md", _markdown(meta, text)


def from_file(doc_id: str, filename: str, raw: bytes, visibility: str | None,
              settings: Settings) -> tuple[str, bytes]:
    """(extension, file content) for an uploaded file, with the id written into it."""
    ext = Path(filename).suffix.lower()
    if ext not in SUPPORTED:
        raise UploadError(f"unsupported file type {ext or '(none)'!r}; expected one of "
                          f"{', '.join(sorted(SUPPORTED))}", status=415)
    extra = {"visibility": visibility} if visibility else {}
    if ext in (".md", ".markdown"):
        try:
            post = load_front_matter(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise UploadError(f"not valid UTF-8 (byte {exc.start})") from exc
        except YamlRefused as exc:
            raise UploadError(f"front matter: {exc}") from None
        except Exception:  # frontmatter raises value errors of its own
            raise UploadError("malformed front matter") from None
        check_length(post.content, settings)
        meta = {**post.metadata, **extra, "id": doc_id}
        if not meta.get("title") and not _HEADING.search(post.content):
            # else the title would be the name of the file it is saved under
            meta["title"] = _title_from(filename)
        return ".md", _markdown(meta, post.content)
    if ext in (".yaml", ".yml", ".csv"):
        data = _member_mapping(raw, ext)
        check_length(str(data.get("description") or ""), settings)
        return ".yaml", _yaml({**data, **extra, "id": doc_id}).encode()
    doc = _load_detached(filename, raw, settings)
    check_length(doc.text, settings)
    meta = {k: v for k, v in doc.metadata.items() if v not in (None, "", [])}
    return ".md", _markdown({"id": doc_id, "title": doc.title, **meta, **extra}, doc.text)


def load_like_ingest(index: Index, path: Path) -> list[Document]:
    """The documents of ``path`` exactly as ``assistant ingest`` would load them
    (scrape repair, versioned content hash), so the next ingest finds them unchanged."""
    report = IngestReport()
    docs = index.load_files([path], index.settings.corpus_dir, report, None)
    if report.failed:
        raise LoadError(next(iter(report.failed.values())))
    return docs


def save_and_load(index: Index, doc_id: str, ext: str, content: bytes) -> Document:
    """Load ``content`` as ``uploads/<stem><ext>`` and, if it is valid, save it there.

    A file that does not load is never saved (the previous version stays).
    """
    settings = index.settings
    folder = settings.corpus_dir / UPLOADS
    stem = upload_stem(doc_id)
    target = folder / f"{stem}{ext}"
    tmp = folder / f".{stem}.tmp{ext}"  # dot file: ingest never picks it up
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(content)
    except OSError as exc:  # a read-only or full corpus volume: say so (not where it is)
        raise UploadError(f"cannot save the upload in the corpus folder: "
                          f"{exc.strerror or 'storage error'}", 507) from exc
    try:
        docs = load_like_ingest(index, tmp)
        if len(docs) != 1 or docs[0].doc_id != doc_id:
            raise UploadError("the file must hold exactly one document")
        os.replace(tmp, target)
    except DocumentTooLarge as exc:
        raise UploadError(str(exc), 413) from exc
    except LoadError as exc:
        raise UploadError(str(exc)) from exc
    finally:
        tmp.unlink(missing_ok=True)
    for old in folder.glob(f"{stem}.*"):
        if old != target:  # the previous version in another format
            old.unlink(missing_ok=True)
    doc = docs[0]
    doc.source = target.relative_to(settings.corpus_dir).as_posix()
    return doc


def remove_upload(settings: Settings, source: str) -> None:
    if is_upload(source):
        (settings.corpus_dir / source).unlink(missing_ok=True)


def _markdown(meta: dict[str, Any], body: str) -> bytes:
    return f"---\n{_yaml(meta)}---\n\n{body.strip()}\n".encode()


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _member_mapping(raw: bytes, ext: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"not valid UTF-8 (byte {exc.start})") from exc
    if ext == ".csv":
        try:
            rows = csv_rows(text)
        except LoadError as exc:
            raise UploadError(str(exc)) from exc
        if len(rows) != 1:
            raise UploadError("a CSV upload must hold exactly one member row")
        return {k.strip(): (v or "").strip() for k, v in rows[0].items() if k}
    try:
        return profile_mapping(text)
    except LoadError as exc:
        raise UploadError(str(exc)) from exc


def _load_detached(filename: str, raw: bytes, settings: Settings) -> Document:
    """Extract text and metadata with the project's loaders, outside the corpus."""
    with tempfile.TemporaryDirectory() as tmpdir:
        stem = re.sub(r"[^\w-]+", "_", Path(filename).stem)[:80].strip("._") or "upload"
        path = Path(tmpdir) / f"{stem}{Path(filename).suffix.lower()}"  # HTML title fallback
        path.write_bytes(raw)
        try:
            docs = load_file(path, Path(tmpdir), settings.max_file_bytes,
                             repair=settings.repair_scraped_text,
                             max_chars=settings.max_doc_chars)
        except DocumentTooLarge as exc:
            raise UploadError(str(exc), 413) from exc
        except LoadError as exc:
            raise UploadError(str(exc)) from exc
    if len(docs) != 1:
        raise UploadError("the file must hold exactly one document")
    return docs[0]


def _title_from(filename: str) -> str:
    """A readable title from an upload's own file name: ``relazione_2025-v2.md`` ->
    ``relazione 2025 v2``."""
    words = re.sub(r"[_\-.]+", " ", Path(filename).stem).split()
    return " ".join(words)[:200] or "Documento senza titolo"
