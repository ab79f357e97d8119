"""Web: the brief-quality panel of the need form, as a live partial (see ``quality.py`` for the rules).

The need form renders the panel itself (``web._form_page``); while the user types, ``app.js`` replaces it
with this partial (``data-live-source``). Mounted before ``web.py`` so that ``/bedarfe/pruefung`` is not
read as ``/bedarfe/{challenge_id}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from govlotse.challenges import quality
from govlotse.deps import LangDep
from govlotse.web.forms import read_form
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

MAX_FIELD_CHARS = 20_000  # as the need form's long text fields


@router.api_route("/bedarfe/pruefung", methods=["GET", "POST"], response_class=HTMLResponse)
def quality_partial(request: Request, lang: LangDep) -> HTMLResponse:
    """HTML fragment for the need form: advice on problem, measurable outcome, budget and product names.

    The form posts its fields (with the CSRF token, like every form post); GET with the same query
    parameters serves links and tests. Nothing is stored.
    """
    data: dict[str, Any] = read_form(request) if request.method == "POST" else dict(request.query_params)
    values = {name: str(data.get(name) or "")[:MAX_FIELD_CHARS] for name in quality.FIELDS}
    return render(request, "challenges/_quality.html", {"quality": quality.check_form(values, lang=lang)})
