"""``/v1/documents``: list and read (any caller, by visibility), write and delete (staff).

Writes go through the facade's write lock, become files under ``corpus/uploads``
(see :mod:`assistant.api.uploads`) and are visible to the next query: the lexical
index reloads when the manifest version moves, the vectors are in Chroma at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from assistant.api import uploads
from assistant.api.deps import caller, get_service, staff
from assistant.api.schemas import (
    DocumentDetail,
    DocumentIn,
    DocumentList,
    DocumentSummary,
    DocumentWritten,
    ErrorOut,
)
from assistant.api.service import Service
from assistant.models import Caller

router = APIRouter(tags=["documents"])
# printable, no surrounding spaces: ids end up in file front matter and in logs
ID_PATTERN = r"^[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?$"
DocId = Annotated[str, Path(description="The document id, slashes allowed "
                                        "(e.g. `articles/2024-01-piano-attivita-2024.md`).",
                            max_length=300, pattern=ID_PATTERN)]
_ERR: dict[int | str, dict[str, Any]] = {
    c: {"model": ErrorOut} for c in (401, 403, 404, 409, 413, 415, 422, 429, 504)}
_PUT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": DocumentIn.model_json_schema()},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": "md, txt, html, pdf, docx, yaml or a one-row csv"},
            "visibility": {"type": "string", "enum": ["public", "members"]}}}}}}}


@router.get("/v1/documents", response_model=DocumentList, responses=_ERR,
            summary="List the documents you may see")
async def list_documents(
    who: Caller = Depends(caller), svc: Service = Depends(get_service),
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    doc_type: Annotated[str | None, Query(pattern="^(article|member)$")] = None,
) -> Any:
    rows = await svc.run(svc.core().list_documents, who)
    if doc_type:
        rows = [r for r in rows if r["doc_type"] == doc_type]
    page = [DocumentSummary(**r) for r in rows[offset:offset + limit]]
    return DocumentList(total=len(rows), offset=offset, limit=limit, items=page)


@router.get("/v1/documents/{doc_id:path}", response_model=DocumentDetail, responses=_ERR,
            summary="One document with its text (404 if it is not visible to you)")
async def get_document(doc_id: DocId, who: Caller = Depends(caller),
                       svc: Service = Depends(get_service)) -> Any:
    doc = await svc.run(svc.core().get_document, doc_id, who)
    if doc is None:  # hidden and missing look the same: ids of member content don't leak
        raise HTTPException(404, "document not found")
    return DocumentDetail(**doc)


@router.put("/v1/documents/{doc_id:path}", response_model=DocumentWritten, responses={
    **_ERR, 201: {"model": DocumentWritten, "description": "Created."}},
    openapi_extra=_PUT_BODY, summary="Create or replace a document (staff)")
async def put_document(doc_id: DocId, request: Request, response: Response,
                       who: Caller = Depends(staff), svc: Service = Depends(get_service)) -> Any:
    """JSON ``{title, text, doc_type, metadata}`` or a multipart ``file`` (+ ``visibility``).

    The document is saved under ``corpus/uploads/`` and indexed at once. A document
    that comes from another corpus file is refused (409): edit that file instead.
    """
    ext, content = await _read_body(request, doc_id, svc)
    out = await svc.run(_write, svc, doc_id, ext, content)
    response.status_code = 201 if out.created else 200
    return out


@router.delete("/v1/documents/{doc_id:path}", status_code=204, responses=_ERR,
               summary="Remove a document from the index (and its uploaded file)")
async def delete_document(doc_id: DocId, who: Caller = Depends(staff),
                          svc: Service = Depends(get_service)) -> Response:
    if not await svc.run(_delete, svc, doc_id):
        raise HTTPException(404, "document not found")
    return Response(status_code=204)


async def _read_body(request: Request, doc_id: str, svc: Service) -> tuple[str, bytes]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        file = form.get("file")
        vis = form.get("visibility")
        if not isinstance(file, UploadFile) or not file.filename:
            raise HTTPException(422, "multipart body needs a 'file' part with a file name")
        if vis not in (None, "public", "members"):
            raise HTTPException(422, "visibility must be 'public' or 'members'")
        raw = await file.read()
        return await svc.run(_convert_file, svc, doc_id, file.filename, raw, vis)
    if ctype not in ("application/json", ""):
        raise HTTPException(415, "send application/json or multipart/form-data")
    try:
        body = DocumentIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    try:
        return uploads.from_json(doc_id, body.title, body.text, body.doc_type, body.metadata,
                                 svc.settings)
    except uploads.UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from None


def _convert_file(svc: Service, doc_id: str, filename: str, raw: bytes,
                  vis: str | None) -> tuple[str, bytes]:
    try:
        return uploads.from_file(doc_id, filename, raw, vis, svc.settings)
    except uploads.UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from None


def _write(svc: Service, doc_id: str, ext: str, content: bytes) -> DocumentWritten:
    """Blocking, under the write lock: save the file, load it back, index it."""
    core = svc.core()
    with core.write_lock:
        existing = core.index.manifest.docs().get(doc_id)
        if existing is not None and not uploads.is_upload(existing.source):
            raise HTTPException(409, f"document {doc_id!r} comes from the corpus file "
                                     f"{existing.source!r}: edit that file and run ingest")
        try:
            doc = uploads.save_and_load(core.index, doc_id, ext, content)
        except uploads.UploadError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        chunks = core.upsert_document(doc)
    return DocumentWritten(doc_id=doc_id, created=existing is None, chunks=chunks,
                           source=doc.source)


def _delete(svc: Service, doc_id: str) -> bool:
    core = svc.core()
    with core.write_lock:
        row = core.index.manifest.docs().get(doc_id)
        if row is None or not core.delete_document(doc_id):
            return False
        uploads.remove_upload(svc.settings, row.source)
    return True
