"""Submit HTML forms the way a browser does: what is on the page (hidden fields, defaults) plus typing.

Catches what posting hand-made dicts cannot: a form that lacks its CSRF token or version field.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


class _FormParser(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.found = False
        self.method = "get"
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form" and attrs.get("action") == self.action and not self.found:
            self.inside = self.found = True
            self.method = attrs.get("method", "get").lower()
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None


def form_fields(html: str, action: str) -> tuple[str, list[tuple[str, str]]]:
    """The form's method and the (name, value) pairs a browser would send without typing."""
    parser = _FormParser(action)
    parser.feed(html)
    assert parser.found, f"no form with action {action!r} on the page"
    return parser.method, parser.fields


def submit(
    client: TestClient,
    page: str,
    action: str,
    typed: dict[str, Any] | None = None,
    button: tuple[str, str] | None = None,
    follow_redirects: bool = True,
) -> Response:
    """Load ``page``, fill the form posting to ``action`` with ``typed`` values and submit it."""
    html = client.get(page).text
    method, fields = form_fields(html, action)
    typed = typed or {}
    kept = [(k, v) for k, v in fields if k not in typed]
    for key, value in typed.items():
        values = value if isinstance(value, list) else [value]
        kept.extend((key, str(v)) for v in values)
    if button:
        kept.append(button)
    if method == "get":
        return client.get(action, params=kept, follow_redirects=follow_redirects)
    data: dict[str, Any] = {}
    for key, value in kept:
        data.setdefault(key, []).append(value)
    return client.post(
        action,
        data={k: v if len(v) > 1 else v[0] for k, v in data.items()},
        follow_redirects=follow_redirects,
    )
