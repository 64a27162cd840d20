"""The planning page's web app: its own assets and a token-protected JSON API.

Security: every ``/api/`` request needs the session's token (query ``token=``, header
``X-Token`` or ``Authorization: Bearer``; compared with :func:`secrets.compare_digest`),
else 401 (none) or 403 (wrong). Assets are served from a fixed map of names (no path from a
request reaches the file system; anything else is 404). Bodies larger than
:data:`~harbor_planner.settings.SERVE_MAX_BODY_BYTES` are refused with 413 before they are
read; every body is validated (:mod:`pydantic` models, then the plan's own checks). Every
error is JSON ``{"error": message, "kind": kind}``, never a traceback, its message in the
page's language (:mod:`harbor_planner.serve.words`), as the page's own words are.
"""

from __future__ import annotations

import logging
import secrets
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from harbor_planner._text import clean_text
from harbor_planner.errors import HarborPlannerError, InputDataError, OutputError
from harbor_planner.serve.session import Session
from harbor_planner.serve.words import invalid_text, page_words, refusal, said, serve_text
from harbor_planner.settings import (
    DISTRICT_STATUS_LABELS,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_NAME_CHARS,
    SERVE_MAX_SITES,
    SERVE_MAX_STATIONS,
    SOLVERS,
)

__all__ = ["ASSETS", "create_app"]

log = logging.getLogger(__name__)

#: The only files served: URL name -> (package folder, file name, media type).
ASSETS: dict[str, tuple[str, str, str]] = {
    "app.js": ("serve", "app.js", "text/javascript; charset=utf-8"),
    "app.css": ("serve", "app.css", "text/css; charset=utf-8"),
    "leaflet.js": ("leaflet", "leaflet.js", "text/javascript; charset=utf-8"),
    "leaflet.css": ("leaflet", "leaflet.css", "text/css; charset=utf-8"),
    "marker-icon.png": ("leaflet/images", "marker-icon.png", "image/png"),
    "marker-icon-2x.png": ("leaflet/images", "marker-icon-2x.png", "image/png"),
    "marker-shadow.png": ("leaflet/images", "marker-shadow.png", "image/png"),
    "layers.png": ("leaflet/images", "layers.png", "image/png"),
    "layers-2x.png": ("leaflet/images", "layers-2x.png", "image/png"),
}

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _asset(name: str) -> bytes:
    folder, file, _ = ASSETS[name]
    root = resources.files("harbor_planner") / "_static"
    for part in folder.split("/"):
        root = root / part
    return (root / file).read_bytes()


def _index_html(lang: str) -> bytes:
    """The page in ``lang``: its words given with it (a JSON data block, not a script run)."""
    import json

    html = (resources.files("harbor_planner") / "_static" / "serve" / "index.html").read_text(
        encoding="utf-8"
    )
    words = json.dumps(page_words(lang), ensure_ascii=False)
    for c in "<>&":  # no "</script>" inside the block, whatever a word says
        words = words.replace(c, f"\\u{ord(c):04x}")
    html = html.replace('<html lang="zh">', f'<html lang="{lang}">', 1)
    first = '<script src="/static/leaflet.js">'
    block = f'<script id="hp-words" type="application/json">{words}</script>\n'
    return html.replace(first, block + first, 1).encode("utf-8")


# ----------------------------------------------------------------------------- bodies

# strict: a JSON number only (true is no longitude, "106.55" no number: probe 18S)
_Lon = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)
_Lat = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
_Name = Field(default=None, max_length=SERVE_MAX_NAME_CHARS)
_Strict = ConfigDict(extra="forbid")


class AddBody(BaseModel):
    """A new station."""

    model_config = _Strict
    lon: float = _Lon
    lat: float = _Lat
    status: str | None = Field(default="proposed", max_length=20)  # null: proposed
    name: str | None = _Name


class EditBody(BaseModel):
    """A move, a new status or a new name."""

    model_config = _Strict
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False, strict=True)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, strict=True)
    status: str | None = Field(default=None, max_length=20)
    name: str | None = _Name


class OptimizeBody(BaseModel):
    """An optimiser run."""

    model_config = _Strict
    n_sites: int = Field(ge=1, le=SERVE_MAX_SITES)
    solver: str = Field(default="greedy", max_length=20)


class AcceptBody(BaseModel):
    """Suggested sites to add to the plan."""

    model_config = _Strict
    site_ids: list[str] = Field(max_length=SERVE_MAX_SITES)


# ----------------------------------------------------------------------------- middleware


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before the app reads them.

    A declared ``Content-Length`` over the limit is refused at once; a body without one
    (chunked) is read up to the limit and refused as soon as it passes it.
    """

    def __init__(self, app: Any, limit: int, lang: str = "en") -> None:
        self.app, self.limit, self.lang = app, limit, lang
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await _too_large(scope, receive, send, self.limit, self.lang)
                return
            await self.app(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await _too_large(scope, receive, send, self.limit, self.lang)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(scope: dict, receive: Any, send: Any, limit: int, lang: str) -> None:
    text = serve_text("too_large", lang, limit=limit)
    resp = JSONResponse({"error": text, "kind": "http"}, status_code=413)
    await resp(scope, receive, send)


def _given_token(request: Request) -> str | None:
    """The token of a request: query ``token``, header ``X-Token`` or a bearer token."""
    token = request.query_params.get("token") or request.headers.get("x-token")
    if token:
        return token
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


# ----------------------------------------------------------------------------- the app


#: A station id given in the query (``?id=``): any id, ``a/b`` and ``..`` included.
ByQuery: Any = Query("", alias="id", max_length=4096)


def create_app(session: Session, token: str | None = None) -> FastAPI:
    """The web app of a planning session.

    Parameters
    ----------
    session
        The loaded session.
    token
        The API token (default: a new :func:`secrets.token_urlsafe`); ``app.state.token``.

    Returns
    -------
    fastapi.FastAPI

    """
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.token = token or secrets.token_urlsafe(32)
    app.state.session = session
    _errors(app, session.lang)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            given = _given_token(request)
            if not given:
                text = serve_text("token_required", session.lang)
                return JSONResponse({"error": text, "kind": "http"}, status_code=401)
            if not secrets.compare_digest(given.encode(), app.state.token.encode()):
                text = serve_text("wrong_token", session.lang)  # a restarted server has a new one
                return JSONResponse({"error": text, "kind": "http"}, status_code=403)
        response = await call_next(request)
        for k, v in _HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    _pages(app, session.lang)
    _edit_routes(app, session)
    _other_routes(app, session)
    return BodyLimit(app, SERVE_MAX_BODY_BYTES, session.lang)  # type: ignore[return-value]


def _errors(app: FastAPI, lang: str) -> None:
    """Every error as JSON ``{"error", "kind"}``, said in the page's language ``lang``."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = exc.status_code
        key = "not_found" if code == 404 else "http"
        text = serve_text(key, lang, code=code, detail=exc.detail)
        return JSONResponse({"error": text, "kind": "http"}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        text = invalid_text(list(exc.errors()), lang)
        return JSONResponse({"error": text, "kind": "invalid"}, status_code=422)

    @app.exception_handler(KeyError)
    async def unknown(request: Request, exc: KeyError) -> JSONResponse:
        text = serve_text("unknown_id", lang, id=f"{exc.args[0]!s:.80}")
        return JSONResponse({"error": text, "kind": "unknown_id"}, status_code=404)

    @app.exception_handler(HarborPlannerError)
    async def refused(request: Request, exc: HarborPlannerError) -> JSONResponse:
        code = 409 if isinstance(exc, OutputError) else 422
        # the page leads the message with its own words for the kind (probe 21S: the zh page
        # showed the server's English text alone)
        kind = "refused" if isinstance(exc, OutputError) else "input"
        return JSONResponse({"error": said(exc, lang)[:1000], "kind": kind}, status_code=code)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.error("serve: %s on %s: %s", type(exc).__name__, request.url.path, exc)
        text = serve_text("internal", lang, name=type(exc).__name__)
        return JSONResponse({"error": text, "kind": "internal"}, status_code=500)


def _pages(app: FastAPI, lang: str) -> None:
    @app.get("/")
    def index() -> Response:
        return Response(_index_html(lang), media_type="text/html; charset=utf-8")

    @app.get("/static/{name}")
    def asset(name: str) -> Response:
        if name not in ASSETS:
            raise StarletteHTTPException(404)
        return Response(_asset(name), media_type=ASSETS[name][2])


def _edit_routes(app: FastAPI, session: Session) -> None:
    plan = session.plan

    @app.get("/api/state")
    def state() -> dict[str, Any]:  # and the version saved: the page warns of edits not saved
        return session.snapshot()

    @app.post("/api/stations")
    def add(body: AddBody) -> dict[str, Any]:
        status = "proposed" if body.status is None else body.status
        st = plan.add(body.lon, body.lat, status=status, name=body.name)
        return {"station": st.as_dict(), **session.snapshot()}

    # a station by its id in the path or, for any id (a/b, "..": what a path cannot carry
    # through a browser), in the query: /api/station?id=...
    @app.patch("/api/stations/{station_id:path}")
    @app.patch("/api/station")
    def edit(body: EditBody, station_id: str = "", sid: str = ByQuery) -> dict[str, Any]:
        changes = body.model_dump(exclude_none=True)
        st = plan.update(station_id or sid, **changes)
        return {"station": st.as_dict(), **session.snapshot()}

    @app.delete("/api/stations/{station_id:path}")
    @app.delete("/api/station")
    def delete(station_id: str = "", sid: str = ByQuery) -> dict[str, Any]:
        plan.delete(station_id or sid)
        return session.snapshot()

    # ``version``: the plan the page shows; another tab's later edit is not undone unseen
    @app.post("/api/undo")
    def undo(version: int | None = None) -> dict[str, Any]:
        return {"done": plan.undo(version), **session.snapshot()}

    @app.post("/api/redo")
    def redo(version: int | None = None) -> dict[str, Any]:
        return {"done": plan.redo(version), **session.snapshot()}


def _other_routes(app: FastAPI, session: Session) -> None:
    from harbor_planner.serve.layers import demand_layer, district_layer, isochrone_layer

    plan = session.plan

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        sc = session.scenario
        opt = sc.optimize
        return {
            "lang": session.lang,
            "title": clean_text(sc.title),  # as the map and report show it (probe 18S)
            "minutes": sc.coverage.minutes,
            "basis": _basis(session),  # what the figures rest on, as the map's title says
            "solvers": list(SOLVERS),
            "n_sites_default": (opt.n_add if opt is not None and opt.n_add else 5),
            "max_stations": SERVE_MAX_STATIONS,
            "quota": None if opt is None or opt.quota is None else opt.quota.name,
            "district_status_labels": {
                k: v[0 if session.lang == "zh" else 1] for k, v in DISTRICT_STATUS_LABELS.items()
            },
        }

    @app.get("/api/demand")
    def demand() -> dict[str, Any]:
        return demand_layer(plan)

    @app.get("/api/districts")
    def districts() -> dict[str, Any]:
        return district_layer(session)

    @app.get("/api/isochrones/{station_id:path}")
    @app.get("/api/isochrones")
    def isochrones(station_id: str = "", sid: str = ByQuery) -> dict[str, Any]:
        return isochrone_layer(session, plan.check_id(station_id or sid))

    @app.post("/api/optimize")
    def optimize(body: OptimizeBody) -> dict[str, Any]:
        if body.solver not in SOLVERS:
            raise refusal(InputDataError, "unknown_solver", solver=body.solver)
        return session.start_optimize(body.n_sites, body.solver).as_dict()

    @app.get("/api/optimize/{job_id}")
    def job(job_id: str) -> dict[str, Any]:
        if job_id not in session.jobs:
            raise KeyError(job_id)
        found = session.jobs[job_id]
        with plan.lock:  # its figure is that of the plan it started from
            changed = found.plan_version not in (-1, plan.version)
        return {**found.as_dict(), "plan_changed": changed}

    @app.post("/api/optimize/{job_id}/accept")
    def accept(job_id: str, body: AcceptBody) -> dict[str, Any]:
        added = session.accept(job_id, body.site_ids)
        return {"added": [s.as_dict() for s in added], **session.snapshot()}

    # ``note``: what the save left undone (edits not saved it could not remove: probe 25R3)
    @app.post("/api/save")
    def save() -> dict[str, Any]:
        with session.files_lock:  # the note of this save, not another's
            files = session.save_stations()
            return {"files": [p.name for p in files], "dir": str(session.out_dir),
                    "version": session.saved_version, "note": session.save_note}  # fmt: skip

    @app.post("/api/export")
    def export() -> dict[str, Any]:
        with session.files_lock:
            files = session.export()
            return {"files": [p.name for p in files],
                    "dir": str(files[0].parent) if files else None,
                    "version": session.saved_version, "note": session.save_note}  # fmt: skip


def _basis(session: Any) -> str:
    """The walk and demand the page's figures rest on (probe 24S: the page said none)."""
    from harbor_planner.outputs.ranges import walk_basis

    return (
        walk_basis(
            {
                "minutes": float(session.scenario.coverage.minutes),
                **session.network.walk_figures(),
                "demand_kind": getattr(session.demand, "kind", None),
            },
            session.lang,
        )
        .strip()
        .strip("()（）")
    )
