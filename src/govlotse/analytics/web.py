"""Web pages: the unit's analytics (``/lotsenstelle/auswertung``) and the public statistics (``/statistik``),
each figure with chart, table and CSV/XLSX download; and the app-wide usage counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.responses import HTMLResponse, Response

from govlotse.analytics import figures as figs
from govlotse.analytics import service, usage
from govlotse.analytics.export import to_csv, to_xlsx
from govlotse.analytics.figures import Figure
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import NotFound
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def count_request(request: Request, session: SessionDep) -> Iterator[None]:
    """Counts page views and searches of requests whose handler succeeded (buffered, see ``usage``)."""
    yield
    for metric in usage.metrics_of(request):
        usage.note(metric)


# For ``FastAPI(dependencies=[...])``: function scope, so the count joins the request's transaction.
COUNT_USAGE: DependsParam = Depends(count_request, scope="function")


def _download(figures: list[Figure], key: str, fmt: str, *, prefix: str, lang: str, at: datetime) -> Response:
    figure = next((f for f in figures if f.key == key), None)
    if figure is None:
        raise NotFound("table", key)
    name = f"govlotse-{prefix}-{key}-{at:%Y-%m-%d}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(to_csv(figure.table), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(to_xlsx(figure.table, lang=lang, generated_at=at), media_type=XLSX, headers=headers)


# ---------------------------------------------------------------- the unit's analytics


@router.get("/lotsenstelle/auswertung", response_class=HTMLResponse)
def unit_page(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> HTMLResponse:
    data = service.unit_figures(session=session, actor=actor)
    return render(
        request,
        "analytics/unit.html",
        {
            "section": "unit",
            "figures": figs.unit_page(data, lang),
            "generated_at": data.generated_at,
            "export_base": "/lotsenstelle/auswertung",
        },
    )


@router.get("/lotsenstelle/auswertung/{key}.csv")
def unit_csv(key: str, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = service.unit_figures(session=session, actor=actor)
    return _download(figs.unit_page(data, lang), key, "csv", prefix="auswertung", lang=lang, at=data.generated_at)


@router.get("/lotsenstelle/auswertung/{key}.xlsx")
def unit_xlsx(key: str, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = service.unit_figures(session=session, actor=actor)
    return _download(figs.unit_page(data, lang), key, "xlsx", prefix="auswertung", lang=lang, at=data.generated_at)


# ---------------------------------------------------------------- public statistics


@router.get("/statistik", response_class=HTMLResponse)
def public_page(request: Request, session: SessionDep, lang: LangDep) -> HTMLResponse:
    data = service.public_figures(session=session)
    return render(
        request,
        "analytics/public.html",
        {
            "section": "statistics",
            "figures": figs.public_page(data, lang),
            "generated_at": data.generated_at,
            "export_base": "/statistik",
        },
    )


@router.get("/statistik/{key}.csv")
def public_csv(key: str, session: SessionDep, lang: LangDep) -> Response:
    data = service.public_figures(session=session)
    return _download(figs.public_page(data, lang), key, "csv", prefix="statistik", lang=lang, at=data.generated_at)


@router.get("/statistik/{key}.xlsx")
def public_xlsx(key: str, session: SessionDep, lang: LangDep) -> Response:
    data = service.public_figures(session=session)
    return _download(figs.public_page(data, lang), key, "xlsx", prefix="statistik", lang=lang, at=data.generated_at)
