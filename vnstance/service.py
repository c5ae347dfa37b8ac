"""`vnstance serve`: the saved model behind an HTTP JSON API (FastAPI on uvicorn).

The model is loaded, its digest checked and one test prediction run, once at start (in
``load_model``), so the first concurrent requests find everything loaded. Bad input never
gets a 500: malformed JSON, or JSON past its limits (nesting, number size, lone
surrogates), is 400, a body that stalls 408, a body over the byte limit 413, a content type
other than JSON 415, anything else wrong 422, each with a JSON error naming the problem
(and the limit, where one was passed). A request whose Host header is not allowed gets 400
(DNS rebinding). Every request, 5xx included, gets one access-log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Sequence

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect

from . import __version__
from .errors import VnstanceError
from .features.articles import article_sentences
from .model.api import MAX_SENTENCE_CHARS, Model, load_model, settle
from .schema import Schema
from .textfiles import BOM, JsonError, loads_limited

access_log = logging.getLogger("vnstance.access")
error_log = logging.getLogger("vnstance.error")


@dataclass(frozen=True)
class Limits:
    max_sentences: int = 256  # per request
    max_bytes: int = 64 * 1024  # request body
    max_chars: int = 2000  # per sentence (at most MAX_SENTENCE_CHARS, the model's own limit)
    body_seconds: float = 10.0  # to receive the whole body once headers are in


class PredictRequest(BaseModel):
    """Exactly one of ``sentences`` (a list of sentences) or ``article`` (raw article text)."""

    model_config = ConfigDict(extra="forbid")
    sentences: list[str] | None = Field(None, examples=[["Nga và Mỹ nhất trí ngừng bắn tại Aleppo."]])
    article: str | None = Field(None, description="Raw article text; split into sentences first.")

    @model_validator(mode="after")
    def one_input(self) -> "PredictRequest":
        if (self.sentences is None) == (self.article is None):
            raise ValueError('give exactly one of "sentences" or "article"')
        return self


class ModelRef(BaseModel):
    id: str = Field(description="SHA-256 of the model file")
    version: str = Field(description="vnstance version")


def response_model(schema: Schema) -> type[BaseModel]:
    """The /v1/predict response for a model of ``schema``: one field per head (its labels as an
    enum), per target in ``mentions``, per head in ``scores``. Built from the schema, so a
    three-target model's answers carry the third target instead of losing it to a fixed model."""
    def label(h: str) -> Any:
        return Literal[tuple(schema.labels[h])]  # type: ignore[misc]

    scores = create_model("Scores", **{h: (dict[label(h), float], ...) for h in schema.heads})  # type: ignore
    mentions = create_model("Mentions", **{t: (list[str], ...) for t in schema.targets})  # type: ignore
    result = create_model("Result", text=(str, ...), **{h: (label(h), ...) for h in schema.heads},  # type: ignore
                          mentions=(mentions, ...), scores=(scores, ...))
    return create_model("PredictResponse", model=(ModelRef, ...), results=(list[result], ...))  # type: ignore


class ErrorBody(BaseModel):
    code: str
    message: str
    limit: int | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def _error(status: int, code: str, message: str, limit: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if limit is not None:
        body["limit"] = limit
    return JSONResponse({"error": body}, status_code=status)


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The body, up to ``limit`` bytes, received within ``seconds`` (asyncio.TimeoutError
    past it: a client that declares a length and sends less is not held open for ever)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge

    async def read() -> bytes:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise _TooLarge
        return bytes(body)
    return await asyncio.wait_for(read(), seconds)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def public_meta(meta: dict[str, Any]) -> dict[str, Any] | None:
    """Training-data metadata without the trainer's folders (file names only) and without the
    training ids and per-sentence digests (``eval`` reads them from the model file; served,
    they would let any client test whether a sentence was trained on): digest, counts, names."""
    data = meta.get("data")
    if not isinstance(data, dict):
        return None
    public = {k: v for k, v in data.items() if k not in ("ids", "text_keys")}
    return {**public, "paths": [Path(str(p)).name for p in data.get("paths", [])]}


def create_app(model: Model, limits: Limits = Limits(), allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """The ASGI app over a loaded model; a test or another server can use it directly.

    ``allowed_hosts``: Host header values to answer (``vnstance serve`` passes 127.0.0.1,
    localhost and ::1 unless told otherwise); None answers any. No /docs page: Swagger UI
    loads its scripts from a CDN; the schema is at /openapi.json.
    """
    limits = Limits(**{**asdict(limits), "max_chars": min(limits.max_chars, MAX_SENTENCE_CHARS)})
    app = FastAPI(title="vnstance", version=__version__, docs_url=None, redoc_url=None,
                  description=f"Stance toward each of {', '.join(model.schema.targets)}, and sentiment, "
                              "for Vietnamese news sentences.")
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    ref = {"id": model.sha256 or "", "version": __version__}
    PredictResponse = response_model(model.schema)
    bad_input = {status: {"model": ErrorResponse} for status in (400, 408, 413, 415, 422)}

    @app.middleware("http")
    async def log_requests(request: Request, call_next):
        start = time.perf_counter()
        request.state.sentences = 0
        try:
            response = await call_next(request)
        except Exception:  # a bug: answer 500 in JSON, and log it like any other request
            error_log.exception("%s %s failed", request.method, request.url.path)
            response = _error(500, "internal_error", "internal error (logged on the server)")
        access_log.info(json.dumps({
            "method": request.method, "path": request.url.path, "status": response.status_code,
            "sentences": request.state.sentences, "ms": round((time.perf_counter() - start) * 1000, 1)}))
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        """Readiness: the model is loaded (it is, before the app exists) and verified."""
        return {"status": "ready", "model": ref["id"]}

    @app.get("/v1/model")
    def model_info() -> dict[str, Any]:
        """Labels, versions, training data digest, options, and eval figures if recorded."""
        meta = model.meta
        return {"id": ref["id"], "version": __version__, "schema": model.schema.to_dict(), "labels": meta.get("labels"),
                "versions": meta.get("versions"), "data": public_meta(meta), "options": meta.get("options"),
                "trained_at": meta.get("trained_at"), "eval": meta.get("eval"), "limits": asdict(limits)}

    @app.post("/v1/predict", response_model=PredictResponse, responses=bad_input,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": PredictRequest.model_json_schema()}}}})
    async def predict(request: Request):
        """Label sentences, or the sentences of a raw article; same objects as `vnstance predict`."""
        if not _is_json(request.headers.get("content-type")):
            return _error(415, "unsupported_media_type", "send the body as JSON, with content-type: application/json")
        try:
            raw = await _read_body(request, limits.max_bytes, limits.body_seconds)
        except _TooLarge:
            return _error(413, "body_too_large", f"request body over {limits.max_bytes} bytes", limits.max_bytes)
        except asyncio.TimeoutError:
            return _error(408, "body_timeout", f"request body not received within {limits.body_seconds:g} s")
        except ClientDisconnect:  # nobody to answer; logged as nginx does
            return _error(499, "client_disconnected", "the client went away before sending the body")
        try:
            payload = loads_limited(raw)
        except JsonError as e:
            return _error(400, "malformed_json", f"request body is not valid JSON: {e}")
        try:
            req = PredictRequest.model_validate(payload)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ())) or "body"
            return _error(422, "invalid_request", f"{where}: {first.get('msg')}")
        sentences = req.sentences if req.sentences is not None else article_sentences(req.article or "")
        sentences = [s[1:] if s.startswith(BOM) else s for s in sentences]
        if len(sentences) > limits.max_sentences:
            return _error(422, "too_many_sentences",
                          f"{len(sentences)} sentences, at most {limits.max_sentences} a request", limits.max_sentences)
        for i, s in enumerate(sentences):
            if len(s) > limits.max_chars:
                return _error(422, "sentence_too_long",
                              f"sentence {i} has {len(s)} characters, at most {limits.max_chars}", limits.max_chars)
            if not s.strip():
                return _error(422, "blank_sentence", f"sentence {i} is blank")
        request.state.sentences = len(sentences)
        results = await run_in_threadpool(model.predict, sentences)
        return {"model": ref, "results": results}

    return app


STARTUP_FAILURE = 3  # uvicorn's: the supervisor then stops instead of restarting the worker
ENV_MODEL, ENV_LIMITS, ENV_HOSTS = "VNSTANCE_SERVE_MODEL", "VNSTANCE_SERVE_LIMITS", "VNSTANCE_SERVE_HOSTS"


def configure_access_log() -> None:
    """One JSON line per request on stderr; tracebacks of internal errors too."""
    for log in (access_log, error_log):
        if not log.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False


def app_from_env() -> FastAPI:
    """Factory for uvicorn's workers (``--workers N``): each loads and verifies the model
    itself, against the digest the parent verified (``vnstance serve`` pins it in
    VNSTANCE_MODEL_SHA256), so a worker started after the file was replaced refuses it
    instead of answering from another model."""
    configure_access_log()
    limits = Limits(**json.loads(os.environ.get(ENV_LIMITS, "{}")))
    hosts = os.environ.get(ENV_HOSTS)
    try:
        model = load_model(os.environ[ENV_MODEL])
    except VnstanceError as e:  # one line, and this worker does not serve
        print(f"vnstance: error: worker {os.getpid()}: {e}", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from None
    settle()
    return create_app(model, limits, json.loads(hosts) if hosts else None)
