"""The labelling web app: one page (static/) and a small JSON API over a Session.

GET  /                   the page
GET  /api/config         heads, labels, keys, annotator, guideline summary
GET  /api/next           the next sentence to label (null when all are done) and the stats
GET  /api/items/{id}     one sentence, with its saved answer if any
POST /api/answer         {"id", <head>: <label> ...}: save (last answer wins)
POST /api/skip           {"id"}: come back to it after all the others
POST /api/undo           {"id"} (or {} for the latest answer): remove its answer, or its skip
GET  /api/stats          progress figures

Bound to 127.0.0.1 by default. Writes only accept ``application/json`` (so another web page
cannot post a form to it) and requests must name a local host (no DNS rebinding).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..dataset import SEEDS_DIR
from ..errors import VnstanceError
from ..schema import DEFAULT, Schema
from .session import NothingToUndo, Session, UnknownItem

STATIC = Path(__file__).resolve().parent / "static"
GUIDELINE = SEEDS_DIR / "GUIDELINE.md"
KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")  # one row per head, one key per label
CONTROL_KEYS = {"Enter": "save (the suggestion, or your changes)", " ": "skip", "Backspace": "undo the last answer or skip",
                "?": "guideline summary"}
GUIDELINE_SECTIONS = ("Who counts as the target", "Stance values", "Decision rules", "Clarifications", "Sentiment")


def label_keys(schema: Schema = DEFAULT) -> dict[str, dict[str, str]]:
    """{head: {label: key}}, one keyboard row per head, the same for a head in every session:
    the default targets and sentiment keep their rows (russia 1..., us q..., sentiment a...)
    whatever else the session labels; another target takes a free row (the bottom row first,
    in the schema's order); the heads left over take the unused keys in reading order."""
    heads, labels = schema.heads, schema.labels
    fixed = {h: i for i, h in enumerate(DEFAULT.heads)}
    rows: dict[str, int] = {h: fixed[h] for h in heads if h in fixed}
    free = [i for i in (*range(len(fixed), len(KEY_ROWS)), *range(len(fixed))) if i not in rows.values()]
    for h in heads:
        if h not in rows and free:
            rows[h] = free.pop(0)
    if any(len(labels[h]) > len(KEY_ROWS[r]) for h, r in rows.items()):
        rows = {}  # labels longer than a row: every head in reading order
    keys = {h: dict(zip(labels[h], KEY_ROWS[rows[h]])) for h in heads if h in rows}
    unused = iter(k for k in "".join(KEY_ROWS) if all(k not in used.values() for used in keys.values()))
    if sum(len(labels[h]) for h in heads) > len("".join(KEY_ROWS)):
        raise ValueError(f"the schema's {len(heads)} heads have more labels than the keyboard has keys")
    for h in heads:
        if h not in keys:
            keys[h] = {lab: next(unused) for lab in labels[h]}
    return {h: keys[h] for h in heads}


def guideline_summary(path: Path = GUIDELINE) -> list[dict[str, str]]:
    """The guideline's sections an annotator needs while labelling, as (title, markdown) pairs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for part in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        title, _, body = part.partition("\n")
        if title.strip().startswith(GUIDELINE_SECTIONS):
            out.append({"title": title.strip(), "body": body.strip()})
    return out


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "send JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "invalid JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(422, "expected a JSON object")
    return body


def _id_of(body: dict[str, Any], required: bool = True) -> str | None:
    ident = body.get("id")
    if ident is None and not required:
        return None
    if not isinstance(ident, str) or not ident:
        raise HTTPException(422, "\"id\" must be a non-empty string")
    return ident


def create_app(session: Session, allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver")) -> FastAPI:
    app = FastAPI(title="vnstance label", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    @app.exception_handler(VnstanceError)
    def cannot_save(request: Request, exc: VnstanceError) -> JSONResponse:
        # the answers file could not be written (disk full, permissions): say so on the page
        return JSONResponse({"detail": f"not saved: {exc}"}, status_code=500)

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    schema = session.schema
    config = {"heads": list(schema.heads), "targets": list(schema.targets),
              "labels": {h: list(labs) for h, labs in schema.labels.items()},
              "keys": label_keys(schema), "control_keys": CONTROL_KEYS, "annotator": session.annotator,
              "guideline": guideline_summary(), "file": str(session.store.path)}

    def unknown(ident: str) -> HTTPException:
        return HTTPException(404, f"no sentence with id {ident!r} in this input")

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return page

    @app.get("/api/config")
    def get_config() -> dict[str, Any]:
        return config

    @app.get("/api/next")
    def get_next() -> dict[str, Any]:
        c = session.next()
        return {"item": None if c is None else session.view(c), "stats": session.stats()}

    @app.get("/api/items/{ident}")
    def get_item(ident: str) -> dict[str, Any]:
        try:
            return session.view(session.item(ident))
        except UnknownItem:
            raise unknown(ident) from None

    @app.post("/api/answer")
    def post_answer(body: dict[str, Any] = Depends(_json_body)) -> dict[str, Any]:
        ident = _id_of(body)
        try:
            saved = session.answer(ident, body)
        except UnknownItem:
            raise unknown(ident) from None
        except ValueError as e:
            raise HTTPException(422, str(e)) from None
        return {"saved": saved, "stats": session.stats()}

    @app.post("/api/skip")
    def post_skip(body: dict[str, Any] = Depends(_json_body)) -> dict[str, Any]:
        ident = _id_of(body)
        try:
            session.skip(ident)
        except UnknownItem:
            raise unknown(ident) from None
        return {"skipped": ident, "stats": session.stats()}

    @app.post("/api/undo")
    def post_undo(body: dict[str, Any] = Depends(_json_body)) -> dict[str, Any]:
        ident = _id_of(body, required=False)
        try:
            kind, removed, c = session.undo(ident)
        except UnknownItem:
            raise unknown(ident) from None
        except NothingToUndo as e:
            raise HTTPException(409, str(e)) from None
        return {"undone": kind, "answer": removed, "item": session.view(c), "stats": session.stats()}

    @app.get("/api/stats")
    def get_stats() -> dict[str, Any]:
        return session.stats()

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
