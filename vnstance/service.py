"""`vnstance serve`: the saved model behind an HTTP JSON API (FastAPI on uvicorn).

The model is loaded, and its digest checked, once at start. Bad input never gets a 500:
malformed JSON is 400, a body over the byte limit 413, anything else wrong 422, each with a
JSON error naming the problem (and the limit, where one was passed).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import __version__
from .features.articles import article_sentences
from .model.api import Model, load_model, settle

access_log = logging.getLogger("vnstance.access")


@dataclass(frozen=True)
class Limits:
    max_sentences: int = 256  # per request
    max_bytes: int = 64 * 1024  # request body
    max_chars: int = 2000  # per sentence


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


class Scores(BaseModel):
    russia: dict[str, float]
    us: dict[str, float]
    sentiment: dict[str, float]


class Mentions(BaseModel):
    russia: list[str]
    us: list[str]


class Result(BaseModel):
    text: str
    russia: str
    us: str
    sentiment: str
    mentions: Mentions
    scores: Scores


class ModelRef(BaseModel):
    id: str = Field(description="SHA-256 of the model file")
    version: str = Field(description="vnstance version")


class PredictResponse(BaseModel):
    model: ModelRef
    results: list[Result]


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


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def create_app(model: Model, limits: Limits = Limits()) -> FastAPI:
    """The ASGI app over a loaded model; a test or another server can use it directly."""
    app = FastAPI(title="vnstance", version=__version__,
                  description="Stance toward Russia and the US, and sentiment, for Vietnamese news sentences.")
    ref = {"id": model.sha256 or "", "version": __version__}
    bad_input = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}

    @app.middleware("http")
    async def log_requests(request: Request, call_next):
        start = time.perf_counter()
        request.state.sentences = 0
        response = await call_next(request)
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
        return {"id": ref["id"], "version": __version__, "labels": meta.get("labels"),
                "versions": meta.get("versions"), "data": meta.get("data"), "options": meta.get("options"),
                "trained_at": meta.get("trained_at"), "eval": meta.get("eval"), "limits": asdict(limits)}

    @app.post("/v1/predict", response_model=PredictResponse, responses=bad_input,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": PredictRequest.model_json_schema()}}}})
    async def predict(request: Request):
        """Label sentences, or the sentences of a raw article; same objects as `vnstance predict`."""
        try:
            raw = await _read_body(request, limits.max_bytes)
        except _TooLarge:
            return _error(413, "body_too_large", f"request body over {limits.max_bytes} bytes", limits.max_bytes)
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return _error(400, "malformed_json", f"request body is not valid JSON: {e}")
        try:
            req = PredictRequest.model_validate(payload)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ())) or "body"
            return _error(422, "invalid_request", f"{where}: {first.get('msg')}")
        sentences = req.sentences if req.sentences is not None else article_sentences(req.article or "")
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


ENV_MODEL, ENV_LIMITS = "VNSTANCE_SERVE_MODEL", "VNSTANCE_SERVE_LIMITS"


def configure_access_log() -> None:
    """One JSON line per request on stderr."""
    if not access_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


def app_from_env() -> FastAPI:
    """Factory for uvicorn's workers (``--workers N``): each loads and verifies the model itself."""
    configure_access_log()
    limits = Limits(**json.loads(os.environ.get(ENV_LIMITS, "{}")))
    model = load_model(os.environ[ENV_MODEL])
    settle()
    return create_app(model, limits)
