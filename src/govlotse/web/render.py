"""Jinja2 rendering for the web UI: one environment, the request's language, CSRF token and user."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from govlotse.config import settings
from govlotse.i18n import translate
from govlotse.web import labels

TEMPLATE_DIR = str(resources.files("govlotse").joinpath("web/templates"))
templates = Jinja2Templates(directory=TEMPLATE_DIR)
env = templates.env
env.trim_blocks = True
env.lstrip_blocks = True

CSRF_COOKIE = "govlotse_csrf"
CSRF_FIELD = "csrf_token"


@pass_context
def _t(ctx: Any, text: str, **params: Any) -> str:
    return translate(text, ctx.get("lang", "de"), **params)


@pass_context
def _label(ctx: Any, group: str, code: str | None) -> str:
    return labels.label(group, code, ctx.get("lang", "de"))


def _money(value: int | None, lang: str = "de") -> str:
    if value is None:
        return "–"
    text = f"{value:,}"
    return (text.replace(",", ".") if lang == "de" else text) + " €"


def _number(value: float | int | None, lang: str = "de") -> str:
    """A measured value as people write it: no trailing zeros, German decimal comma."""
    if value is None:
        return "–"
    text = f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",") if lang == "de" else text


def _date(value: date | datetime | None, lang: str = "de") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M" if lang == "de" else "%Y-%m-%d %H:%M")
    return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


@pass_context
def _query(ctx: Any, **changes: Any) -> str:
    """The current URL's query with some parameters changed (for paging and sorting links)."""
    request: Request = ctx["request"]
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


def _person(label: str | None) -> str:
    """A person as pages show them: the name of an actor label "Name <e-mail>", without the address."""
    if not label:
        return "–"
    return label.split(" <", 1)[0] if label.endswith(">") else label


def _paragraphs(text: str | None) -> Markup:
    """Plain text with blank-line paragraphs as HTML, escaped."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{Markup.escape(p)}</p>".replace("\n", "<br>") for p in parts))


# Articles are Markdown written by users: raw HTML is shown as text, never passed through, and
# markdown-it's link validation (kept on) drops javascript:, vbscript:, file: and most data: URLs.
_md = MarkdownIt("commonmark", {"html": False}).enable("table")


def _link_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # Links in user content pass no referrer and no ranking to their targets.
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


def _cell_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # Column alignment as a class: the CSP forbids inline style attributes.
    token = tokens[idx]
    style = token.attrGet("style")
    if isinstance(style, str) and style.startswith("text-align:"):
        del token.attrs["style"]
        token.attrJoin("class", "align-" + style.removeprefix("text-align:"))
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)
_md.add_render_rule("th_open", _cell_open)
_md.add_render_rule("td_open", _cell_open)


def _markdown(text: str | None) -> Markup:
    """Markdown (CommonMark with tables) as HTML; raw HTML in the source is escaped."""
    if not text:
        return Markup("")
    return Markup(_md.render(text))  # safe: markdown-it escapes all text and raw HTML (html=False)


@pass_context
def _tag_options(ctx: Any, tags: list[Any], kind: str) -> list[tuple[str, str]]:
    """(slug, label) of the tags of one kind, for a group of checkboxes."""
    lang = ctx.get("lang", "de")
    return [(t.slug, t.label(lang)) for t in tags if t.kind == kind]


def _id_name_options(items: list[Any]) -> list[tuple[int, str]]:
    return [(i.id, i.name) for i in items]


@pass_context
def _tag_pairs(ctx: Any, tags: list[Any]) -> list[tuple[str, str]]:
    """(slug, label) of every tag, for a filter menu."""
    lang = ctx.get("lang", "de")
    return [(t.slug, t.label(lang)) for t in tags]


def _pair(value: str) -> tuple[str, str]:
    return (value, value)


env.globals.update(
    _=_t,
    label=_label,
    query=_query,
    labels=labels,
    tag_options=_tag_options,
    id_name_options=_id_name_options,
    tag_pairs=_tag_pairs,
)
env.filters.update(money=_money, number=_number, date=_date, paragraphs=_paragraphs, pair=_pair)
env.filters["markdown"] = _markdown
env.filters["person"] = _person


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with what every template needs (language, user, CSRF token, flash message)."""
    base = {
        "lang": getattr(request.state, "lang", "de"),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "flash": request.query_params.get("flash"),
        "csrf_field": CSRF_FIELD,
        # the single sign-on button on the login page (only when a provider is configured)
        "sso_label": settings.oidc_label if settings.oidc_issuer and settings.oidc_client_id else None,
    }
    base.update(context or {})
    return templates.TemplateResponse(request, template, base, status_code=status_code)
