"""The web application: routers, middleware and the one error handler."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any
from urllib.parse import quote

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import ClientDisconnect
from starlette.routing import Mount

from govlotse import __version__
from govlotse.accounts import api as accounts_api
from govlotse.accounts import registration_api, registration_web
from govlotse.accounts import web as accounts_web
from govlotse.analytics import api as analytics_api
from govlotse.analytics import market_web
from govlotse.analytics import web as analytics_web
from govlotse.challenges import api as challenges_api
from govlotse.challenges import quality_web as challenges_quality_web
from govlotse.challenges import web as challenges_web
from govlotse.config import settings
from govlotse.core import logs, metrics, worker
from govlotse.core import mail as _mail  # noqa: F401 - registers the outbox job
from govlotse.core.security import new_token
from govlotse.core.validation import translate_errors
from govlotse.db import WRITE_INTENT
from govlotse.errors import AppError, Conflict, IllegalTransition, Invalid, NotFound, Unauthorized
from govlotse.experts import api as experts_api
from govlotse.experts import web as experts_web
from govlotse.exploration import api as exploration_api
from govlotse.exploration import web as exploration_web
from govlotse.i18n import LANGUAGES, is_source, negotiate, translate
from govlotse.knowledge import api as knowledge_api
from govlotse.knowledge import articles_api, history_web
from govlotse.knowledge import web as knowledge_web
from govlotse.matching import api as matching_api
from govlotse.matching import web as matching_web
from govlotse.matching import worker as _index_worker  # noqa: F401 - registers the indexing job
from govlotse.organisations import api as organisations_api
from govlotse.organisations import web as organisations_web
from govlotse.pipeline import api as pipeline_api
from govlotse.pipeline import pitchdays_web
from govlotse.pipeline import web as pipeline_web
from govlotse.privacy import api as privacy_api
from govlotse.privacy import web as privacy_web
from govlotse.procurement import api as procurement_api
from govlotse.procurement import rules as procurement_rules
from govlotse.procurement import web as procurement_web
from govlotse.solutions import api as solutions_api
from govlotse.solutions import web as solutions_web
from govlotse.taxonomy import api as taxonomy_api
from govlotse.web import pages
from govlotse.web.forms import parse_form
from govlotse.web.render import CSRF_COOKIE, render

log = logging.getLogger(__name__)
access = logging.getLogger("govlotse.access")

# Probes and static files are asked for all the time; their successful answers are not logged.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics", "/static", "/api/docs/assets"})

LANG_COOKIE = "govlotse_lang"

# No inline script anywhere: every script is a file under /static (CSP, OWASP ASVS 14.4).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class RequestContext(BaseHTTPMiddleware):
    """Request id, language, CSRF cookie and security headers for every request; one log line and metrics each."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = logs.request_id_from(request.headers.get("x-request-id"))
        request.state.request_id = request_id
        logs.REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = await self._answer(request, call_next)
        except Exception:
            self._log(request, 500, started)
            raise
        response.headers["X-Request-ID"] = request_id
        self._log(request, response.status_code, started)
        return response

    @staticmethod
    def _log(request: Request, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        route = _route_pattern(request)
        metrics.observe(request.method, route, status, seconds)
        if route in QUIET_ROUTES and status < 400:
            return
        access.info(
            "%s %s %d %.0f ms",
            request.method,
            route,
            status,
            seconds * 1000,
            extra={"method": request.method, "route": route, "status": status, "ms": round(seconds * 1000, 1)},
        )

    async def _answer(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        explicit = request.query_params.get("lang")
        chosen = explicit if explicit in LANGUAGES else request.cookies.get(LANG_COOKIE)
        if _is_api(request):
            request.state.lang = negotiate(request.headers.get("accept-language"), chosen)
        else:
            # The UI speaks German unless someone asks for English (the browser's language is not asked).
            request.state.lang = chosen if chosen in LANGUAGES else settings.default_language
        csrf = request.cookies.get(CSRF_COOKIE)
        request.state.csrf_token = csrf if csrf and len(csrf) < 100 else new_token(24)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            WRITE_INTENT.set(True)  # SQLite: take the write lock at BEGIN (see db._configure_sqlite)
        response = await call_next(request)
        if explicit in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, explicit, max_age=365 * 86400, samesite="lax", secure=settings.secure_cookies
            )
        if request.state.csrf_token != csrf:
            response.set_cookie(
                CSRF_COOKIE,
                request.state.csrf_token,
                httponly=True,
                samesite="strict",
                secure=settings.secure_cookies,
            )
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if settings.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _route_pattern(request: Request) -> str:
    """The matched route as a pattern (``/api/challenges/{challenge_id}``): logs and metrics never carry ids."""
    route = request.scope.get("route")
    pattern = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not pattern:  # mounts (static files) do not name themselves in the scope
        path = request.scope.get("path", "")
        mounts = (r.path for r in request.app.routes if isinstance(r, Mount))
        return next((m for m in mounts if path.startswith(m + "/")), "other")
    path = request.scope.get("path", "")
    depth = path.rstrip("/").count("/") - pattern.rstrip("/").count("/")
    if depth > 0:
        # FastAPI keeps the router's own route in the scope, without the prefix it was included with.
        return "/".join(path.split("/")[: depth + 1]) + pattern
    return str(pattern)


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", settings.default_language)


def _error_page(request: Request, status: int, title: str, detail: str, *, request_id: str = "") -> HTMLResponse:
    lang = _lang(request)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": translate(title, lang),
            "detail": translate(detail, lang),
            "request_id": request_id,
        },
        status_code=status,
    )


PAGE_TEXT = {
    400: ("Nicht möglich", "Diese Aktion ist so nicht möglich."),
    401: ("Anmeldung erforderlich", "Bitte melden Sie sich an."),
    403: ("Keine Berechtigung", "Diese Aktion ist für Ihr Konto nicht freigegeben."),
    404: ("Nicht gefunden", "Diese Seite gibt es nicht, oder sie ist für Sie nicht sichtbar."),
    405: ("Nicht erlaubt", "Diese Aktion ist auf dieser Seite nicht möglich."),
    409: ("Konflikt", "Der Datensatz wurde inzwischen geändert."),
    429: ("Zu viele Versuche", "Bitte warten Sie eine Weile und versuchen Sie es dann erneut."),
    422: ("Ungültige Eingabe", "Bitte prüfen Sie Ihre Eingaben."),
    500: (
        "Fehler",
        "Etwas ist schiefgegangen. Der Fehler wurde protokolliert; bitte versuchen Sie es später erneut.",
    ),
}


def _render_app_error(request: Request, exc: AppError) -> Response:
    lang = _lang(request)
    if _is_api(request):
        return JSONResponse(exc.payload(lang), status_code=exc.status_code)
    if isinstance(exc, Unauthorized):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/anmelden?next={quote(target)}", status_code=303)
    title, text = PAGE_TEXT.get(exc.status_code, PAGE_TEXT[422])
    if isinstance(exc, IllegalTransition):
        return render(
            request,
            "error.html",
            {"status": 409, "title": translate("Schritt nicht möglich", lang), "detail": exc.message(lang)},
            status_code=409,
        )
    if isinstance(exc, Invalid):
        text = "; ".join(e["msg"] for e in exc.payload(lang)["detail"])
    elif is_source(exc.detail):
        text = exc.detail  # a German UI sentence; developer-facing English details stay in the API and the log
    return _error_page(request, exc.status_code, title, text)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import govlotse.services  # noqa: F401 - every searchable kind registers itself

    # A broken rule file must stop the start, naming the entry (not surface in a user's advice).
    procurement_rules.shipped()

    if app.state.background_indexing:
        worker.start()
    yield
    if app.state.background_indexing:
        worker.stop()


def create_app(*, background_indexing: bool = True) -> FastAPI:
    """Build the application with every domain's routers."""
    app = FastAPI(
        lifespan=_lifespan,
        # A posted form is read before the (synchronous) handler runs; page views and searches are counted.
        dependencies=[Depends(parse_form), analytics_web.COUNT_USAGE],
        title="GovLotse API",
        version=__version__,
        description="Needs, start-ups, solutions and use cases for public-sector venture clienting.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.background_indexing = background_indexing
    app.add_middleware(RequestContext)

    static_dir = str(resources.files("govlotse").joinpath("web/static"))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.mount("/api/docs/assets", StaticFiles(directory=str(swagger_ui_bundle.swagger_ui_path)), name="swagger")

    for module in (
        accounts_api,
        registration_api,
        privacy_api,
        organisations_api,
        challenges_api,
        solutions_api,
        knowledge_api,
        taxonomy_api,
        matching_api,
        procurement_api,
        experts_api,
        exploration_api,
        pipeline_api,
        articles_api,
        analytics_api,
    ):
        app.include_router(module.router, prefix="/api")
    app.include_router(market_web.api, prefix="/api")
    app.include_router(history_web.api, prefix="/api")
    app.include_router(pitchdays_web.api, prefix="/api")
    # matching_web first: /bedarfe/aehnliche must win over /bedarfe/{challenge_id}
    for module in (
        pages,
        matching_web,
        procurement_web,
        accounts_web,
        registration_web,
        privacy_web,
        challenges_quality_web,
        experts_web,
        exploration_web,
        pitchdays_web,
        pipeline_web,
        analytics_web,
        market_web,
        challenges_web,
        solutions_web,
        organisations_web,
        history_web,
        knowledge_web,
    ):
        app.include_router(module.router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html")

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _render_app_error(request, exc)

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> Response:
        return _render_app_error(request, Conflict("the record was changed by someone else in the meantime"))

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error: %s", exc.orig)
        return _render_app_error(request, Conflict("the change conflicts with existing data"))

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError) -> Response:
        # Values the database refuses to store or compare (PostgreSQL: a NUL character in text, a number out of
        # range) come from the request: invalid input, not a server error. Schemas refuse most of them earlier.
        log.warning("data error: %s", exc.orig)
        return _render_app_error(request, Invalid("Bitte prüfen Sie Ihre Eingaben."))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = translate_errors(exc.errors(), _lang(request))
        if _is_api(request):
            return JSONResponse({"error": "invalid", "detail": errors}, status_code=422)
        return _error_page(request, 422, PAGE_TEXT[422][0], "; ".join(f"{e['field']}: {e['msg']}" for e in errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            code = "not_found" if exc.status_code == 404 else "http_error"
            return JSONResponse(
                {"error": code, "detail": str(exc.detail)},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        title, text = PAGE_TEXT.get(exc.status_code, PAGE_TEXT[404])
        return _error_page(request, exc.status_code, title, text)

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        # The browser gave up on the request (e.g. a live panel cancelled an older fetch while the user typed).
        log.info("client went away during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        request_id = getattr(request.state, "request_id", "")
        headers = {"X-Request-ID": request_id} if request_id else None
        if _is_api(request):
            return JSONResponse(
                {"error": "internal", "detail": "internal error; it has been logged", "request_id": request_id},
                status_code=500,
                headers=headers,
            )
        response = _error_page(request, 500, *PAGE_TEXT[500], request_id=request_id)
        if headers:
            response.headers.update(headers)
        return response

    return app


def serve_app() -> FastAPI:
    """The factory ``govlotse serve`` runs in each worker process: logging as configured, then the app."""
    logs.configure(settings.log_format, settings.log_level)
    return create_app()


def not_found_page(request: Request) -> Any:
    raise NotFound("page")
