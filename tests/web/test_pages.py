"""Every page renders for every role with landmarks and without server errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import login, make_challenge, make_org, make_solution, make_usecase, make_user

ROLES = ["anonymous", "unit", "agency", "startup", "expert", "admin"]


@pytest.fixture
def site(session: Session) -> dict:
    agency = make_org(session, kind="agency", name="Bezirksamt Ost")
    startup = make_org(session, kind="startup", name="Kanal & Co")
    research = make_org(session, kind="research", name="Institut")
    return {
        "agency": agency,
        "startup": startup,
        "research": research,
        "challenge": make_challenge(
            session,
            org=agency,
            visibility="published",
            tags=["gis"],
            problem="Zeile eins.\n\nZeile <zwei> & drei.",
        ),
        "solution": make_solution(
            session,
            org=startup,
            tags=["gis"],
            certifications=["iso_27001"],
            hosting_options=["saas_eu"],
            languages=["de", "ti"],
        ),
        "usecase": make_usecase(session, country="US", sector="Health"),
    }


def _login_as(client: TestClient, session: Session, role: str, site: dict) -> None:
    if role == "anonymous":
        return
    org = {
        "agency": site["agency"],
        "unit": site["agency"],
        "startup": site["startup"],
        "expert": site["research"],
        "admin": None,
    }[role]
    login(client, make_user(session, role=role, org=org))


@pytest.mark.parametrize("role", ROLES)
def test_pages_render_for_every_role(client: TestClient, session: Session, site: dict, role: str) -> None:
    _login_as(client, session, role, site)
    pages = [
        "/",
        "/bedarfe",
        f"/bedarfe/{site['challenge'].id}",
        "/loesungen",
        f"/loesungen/{site['solution'].id}",
        "/startups",
        f"/organisationen/{site['startup'].id}",
        f"/organisationen/{site['agency'].id}",
        "/wissen",
        f"/wissen/{site['usecase'].id}",
        "/datenquellen",
        "/anmelden",
        "/api/docs",
        "/bedarfe?status=accepted&tag=gis&sort=title",
        "/loesungen?hosting=saas_eu&certification=iso_27001",
        "/wissen?country=US&q=chat",
        "/startups?kind=research",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.text
        assert "Traceback" not in html
        if path != "/api/docs":
            assert '<main id="main"' in html and 'class="skip-link"' in html, path


def test_user_text_is_escaped(client: TestClient, site: dict) -> None:
    html = client.get(f"/bedarfe/{site['challenge'].id}").text
    assert "Zeile &lt;zwei&gt; &amp; drei." in html and "<zwei>" not in html
    assert "<p>Zeile eins.</p>" in html


def test_unknown_pages_and_bad_params_are_friendly(client: TestClient) -> None:
    missing = client.get("/gibt-es-nicht")
    assert missing.status_code == 404 and "Nicht gefunden" in missing.text and '<main id="main"' in missing.text
    bad = client.get("/bedarfe", params={"page": "zwei"})
    assert bad.status_code == 422 and "Ungültige Eingabe" in bad.text
    assert client.get("/bedarfe/999999").status_code == 404


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_inline_scripts(client: TestClient, site: dict) -> None:
    import re

    for path in ("/", "/bedarfe", "/anmelden", "/api/docs"):
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", client.get(path).text, re.S)
        assert all("src=" in attrs and not body.strip() for attrs, body in scripts), path


def test_startup_directory_lists_startups_unless_asked(client: TestClient, site: dict) -> None:
    page = client.get("/startups").text
    assert "Kanal &amp; Co" in page and "Bezirksamt Ost" not in page
    research = client.get("/startups", params={"kind": "research"}).text
    assert "Institut" in research and "Kanal &amp; Co" not in research
