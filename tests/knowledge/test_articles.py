"""Knowledge articles: Markdown rendered safely, written by unit and experts, published by the unit only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts.models import User
from govlotse.core.actor import ANONYMOUS, SYSTEM
from govlotse.knowledge import service
from govlotse.knowledge.models import Article, ArticleStatus
from govlotse.knowledge.schemas import ArticleCreate, ArticleFilter, ArticleUpdate
from govlotse.matching import service as matching
from govlotse.web.render import env
from tests.browser import form_fields, submit
from tests.factories import csrf, login, make_org, make_user

TABLE = "| Kennzahl | Ziel |\n|---|---:|\n| Bearbeitungszeit | 10 Tage |\n"
BODY = "## Was gut lief\n\nDie **Sachbearbeitung** war früh beteiligt.\n\n" + TABLE


@pytest.fixture
def anon(app: Any) -> Iterator[TestClient]:
    """A second browser without a login, next to the logged-in ``client``."""
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c


def expert(session: Session) -> User:
    return make_user(session, role="expert", org=make_org(session, kind="research"))


def unit(session: Session) -> User:
    return make_user(session, role="unit")


def write(
    session: Session, user: User | None = None, *, title: str = "Pilot mit Sprachassistenz", **kw: Any
) -> Article:
    actor = accounts.actor_for(user) if user else SYSTEM
    return service.create_article(
        session=session, actor=actor, article_in=ArticleCreate(title=title, body=kw.pop("body", BODY)), **kw
    )


def publish(session: Session, article: Article) -> Article:
    return service.publish_article(session=session, actor=SYSTEM, article=article)


# ---------------------------------------------------------------- Markdown


def test_markdown_escapes_raw_html_and_renders_tables() -> None:
    markdown = env.filters["markdown"]
    out = str(markdown("Hallo <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n" + TABLE))
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "<table>" in out and "<th>Kennzahl</th>" in out and "<td>Bearbeitungszeit</td>" in out
    assert '<th class="align-right">Ziel</th>' in out and "style=" not in out  # no inline styles (CSP)


def test_markdown_links_are_safe() -> None:
    markdown = env.filters["markdown"]
    out = str(markdown("[böse](javascript:alert(1)) [auch](JaVaScRiPt:alert(1)) [gut](https://example.org/a)"))
    assert 'href="javascript' not in out.lower() and out.count("<a ") == 1  # the bad links stay plain text
    assert '<a href="https://example.org/a" rel="nofollow noopener noreferrer">gut</a>' in out
    assert str(markdown(None)) == "" and str(markdown("")) == ""


# ---------------------------------------------------------------- web pages


def test_expert_writes_and_edits_unit_publishes_through_forms(
    client: TestClient, anon: TestClient, session: Session
) -> None:
    author = expert(session)
    login(client, author)
    assert "/wissen/artikel/neu" in client.get("/wissen/artikel").text  # the button is there for writers

    created = submit(
        client,
        "/wissen/artikel/neu",
        "/wissen/artikel/neu",
        {"title": "Erfahrungen mit OCR", "body": "<script>alert(1)</script>\n\n" + BODY, "tags": ["ocr"]},
    )
    assert created.status_code == 200, created.text
    assert "Angelegt." in created.text and "Entwurf" in created.text
    assert "<table>" in created.text and "<h2>Was gut lief</h2>" in created.text
    assert "<script>alert(1)" not in created.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in created.text
    assert "Texterkennung (OCR)" in created.text
    article = session.scalars(select(Article).where(Article.title == "Erfahrungen mit OCR")).one()
    assert article.status == ArticleStatus.draft and article.author_id == author.id
    assert "@" not in created.text.split("Verfasst von", 1)[1].split("</dd>", 1)[0]  # no e-mail address shown
    url = f"/wissen/artikel/{article.id}"
    assert "/veroeffentlichen" not in created.text  # experts do not publish
    assert anon.get(url).status_code == 404  # a draft is not public

    edited = submit(client, f"{url}/bearbeiten", f"{url}/bearbeiten", {"title": "Erfahrungen mit Texterkennung"})
    assert edited.status_code == 200 and "Änderungen gespeichert." in edited.text
    session.refresh(article, ["title", "version", "tags"])
    assert article.title == "Erfahrungen mit Texterkennung" and article.version == 2
    assert [t.slug for t in article.tags] == ["ocr"]  # unchanged checkboxes are kept

    login(client, unit(session))
    page = client.get(url).text
    assert f'action="{url}/veroeffentlichen"' in page
    published = submit(client, url, f"{url}/veroeffentlichen")
    assert published.status_code == 200 and "Artikel veröffentlicht" in published.text
    assert "/veroeffentlichen" not in published.text  # nothing left to publish
    session.refresh(article)
    assert article.status == ArticleStatus.published
    public = anon.get(url)
    assert public.status_code == 200 and "Erfahrungen mit Texterkennung" in public.text
    assert "Entwurf" not in public.text and "/bearbeiten" not in public.text


def test_invalid_form_shows_errors_next_to_fields_and_keeps_input(client: TestClient, session: Session) -> None:
    login(client, expert(session))
    response = submit(client, "/wissen/artikel/neu", "/wissen/artikel/neu", {"title": "ab", "body": "  "})
    assert response.status_code == 422
    assert 'id="e-title"' in response.text and 'id="e-body"' in response.text
    assert 'aria-describedby="e-title"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="ab"' in response.text and "Bitte prüfen Sie Ihre Eingaben" in response.text
    unknown = submit(client, "/wissen/artikel/neu", "/wissen/artikel/neu", {"title": "Gut", "body": "x", "tags": "x-y"})
    assert unknown.status_code == 422 and 'id="e-tags"' in unknown.text and "x-y" in unknown.text


def test_concurrent_edit_conflict_keeps_input(client: TestClient, session: Session) -> None:
    author = expert(session)
    article = write(session, author, title="Chatbot im Bürgeramt")
    login(client, author)
    action = f"/wissen/artikel/{article.id}/bearbeiten"
    _, fields = form_fields(client.get(action).text, action)
    assert ("version", "1") in fields

    # Meanwhile the unit changes the article.
    service.update_article(
        session=session,
        actor=SYSTEM,
        article=article,
        article_in=ArticleUpdate(title="Chatbot im Bürgeramt Mitte", version=article.version),
    )
    session.flush()

    data = dict(fields) | {"title": "Mein neuer Titel", "body": "Mein neuer Text, nicht verlieren."}
    response = client.post(action, data=data)
    assert response.status_code == 409
    assert "Jemand anderes hat diesen Datensatz gespeichert" in response.text
    assert 'value="Mein neuer Titel"' in response.text and "Mein neuer Text, nicht verlieren." in response.text
    assert "Gespeicherter Stand:" in response.text and "Chatbot im Bürgeramt Mitte" in response.text
    session.refresh(article)
    assert article.title == "Chatbot im Bürgeramt Mitte" and article.version == 2

    # Saving again is a deliberate decision with the other change in view: it now succeeds.
    _, again = form_fields(response.text, action)
    assert ("version", "2") in again
    saved = client.post(action, data=dict(again), follow_redirects=False)
    assert saved.status_code == 303
    session.refresh(article)
    assert article.title == "Mein neuer Titel" and article.version == 3


def test_publish_form_refuses_a_changed_article(client: TestClient, session: Session) -> None:
    article = write(session)
    login(client, unit(session))
    url = f"/wissen/artikel/{article.id}"
    _, fields = form_fields(client.get(url).text, f"{url}/veroeffentlichen")
    service.update_article(
        session=session, actor=SYSTEM, article=article, article_in=ArticleUpdate(body="Neu.", version=article.version)
    )
    session.flush()
    response = client.post(f"{url}/veroeffentlichen", data=dict(fields))
    assert response.status_code == 409 and "Der Artikel wurde inzwischen geändert" in response.text
    session.refresh(article)
    assert article.status == ArticleStatus.draft


def test_anonymous_sees_published_articles_but_not_drafts(anon: TestClient, session: Session) -> None:
    draft = write(session, title="Geheimer Entwurf zur E-Akte")
    public = publish(session, write(session, title="Öffentlicher Bericht zur E-Akte"))
    page = anon.get("/wissen/artikel")
    assert page.status_code == 200
    assert "Öffentlicher Bericht zur E-Akte" in page.text and "Geheimer Entwurf" not in page.text
    assert "/wissen/artikel/neu" not in page.text  # no write button for visitors
    assert anon.get(f"/wissen/artikel/{draft.id}").status_code == 404
    assert anon.get(f"/wissen/artikel/{public.id}").status_code == 200
    titles = [a["title"] for a in anon.get("/api/articles", params={"per_page": 200}).json()["items"]]
    assert "Öffentlicher Bericht zur E-Akte" in titles and "Geheimer Entwurf zur E-Akte" not in titles
    assert anon.get(f"/api/articles/{draft.id}").status_code == 404
    assert anon.get("/wissen/artikel", params={"status": "draft"}).text.count('class="card"') == 0
    assert "/wissen/artikel" in anon.get("/wissen").text  # the library links to the articles


def test_who_may_open_the_forms(client: TestClient, anon: TestClient, session: Session) -> None:
    new = anon.get("/wissen/artikel/neu", follow_redirects=False)
    assert new.status_code == 303 and new.headers["location"].startswith("/anmelden")
    login(client, make_user(session, role="startup", org=make_org(session, kind="startup")))
    assert client.get("/wissen/artikel/neu").status_code == 403
    other = publish(session, write(session, expert(session), title="Von jemand anderem"))
    author = expert(session)
    login(client, author)
    page = client.get(f"/wissen/artikel/{other.id}")
    assert page.status_code == 200 and "/bearbeiten" not in page.text and "/veroeffentlichen" not in page.text
    assert client.get(f"/wissen/artikel/{other.id}/bearbeiten").status_code == 403
    # An expert's attempt to publish (without the button) is refused with the reason.
    own = write(session, author, title="Eigener Entwurf")
    refused = client.post(f"/wissen/artikel/{own.id}/veroeffentlichen", data={"csrf_token": csrf(client)})
    assert refused.status_code == 409 and "Artikel veröffentlicht die Lotsenstelle." in refused.text
    assert "Artikel: Der Schritt von „Entwurf“ zu „Veröffentlicht“ ist nicht möglich" in refused.text


# ---------------------------------------------------------------- search


def test_draft_is_not_found_by_search_published_is(anon: TestClient, session: Session, index_now: Any) -> None:
    article = write(session, title="Lessons learned: Parkraumsensoren im Bezirk", body="Parkraumsensoren zählen frei.")
    index_now()
    query = {"q": "Parkraumsensoren", "types": "article"}

    def found(actor: Any) -> list[str]:
        results = matching.search(session=session, actor=actor, query="Parkraumsensoren", types=("article",))
        return [h.title for h in results.groups["article"]]

    assert "Lessons learned: Parkraumsensoren im Bezirk" not in found(ANONYMOUS)
    assert "Lessons learned: Parkraumsensoren im Bezirk" in found(SYSTEM)
    hits = anon.get("/api/search", params=query).json()["groups"][0]["hits"]
    assert all(h["entity_id"] != article.id for h in hits)

    publish(session, article)
    index_now()
    assert "Lessons learned: Parkraumsensoren im Bezirk" in found(ANONYMOUS)
    hits = anon.get("/api/search", params=query).json()["groups"][0]["hits"]
    assert [h["url"] for h in hits if h["entity_id"] == article.id] == [f"/wissen/artikel/{article.id}"]


def test_draft_of_a_case_is_searchable_for_its_agency(session: Session, index_now: Any) -> None:
    agency = make_org(session)
    article = write(session, title="Entwurf: Parkraumsensoren im Pilot", organisation_id=agency.id)
    index_now()
    staff = accounts.actor_for(make_user(session, role="agency", org=agency))
    outsider = accounts.actor_for(make_user(session, role="agency", org=make_org(session)))
    results = matching.search(session=session, actor=staff, query="Parkraumsensoren", types=("article",))
    assert article.id in [h.entity_id for h in results.groups["article"]]
    results = matching.search(session=session, actor=outsider, query="Parkraumsensoren", types=("article",))
    assert article.id not in [h.entity_id for h in results.groups["article"]]


# ---------------------------------------------------------------- service: the list filter in SQL


def test_sql_visibility_matches_the_policy_for_every_role(session: Session) -> None:
    agency = make_org(session)
    author = expert(session)
    write(session, author, title="Entwurf der Expertin")
    write(session, title="Entwurf der Behörde", organisation_id=agency.id)
    write(session, title="Entwurf ohne Bezug")
    publish(session, write(session, title="Veröffentlicht"))
    actors = [
        ANONYMOUS,
        SYSTEM,
        accounts.actor_for(author),
        accounts.actor_for(expert(session)),
        accounts.actor_for(unit(session)),
        accounts.actor_for(make_user(session, role="agency", org=agency)),
        accounts.actor_for(make_user(session, role="startup", org=make_org(session, kind="startup"))),
    ]
    for actor in actors:
        in_python = {a.id for a in service.list_articles(session=session, actor=actor)}
        page, total = service.list_articles_page(session=session, actor=actor, filters=ArticleFilter(per_page=200))
        assert {a.id for a in page} == in_python and total == len(in_python), actor


# ---------------------------------------------------------------- JSON API


def test_api_crud_and_permissions(client: TestClient, anon: TestClient, session: Session) -> None:
    new = {"title": "Best Practice: Markterkundung", "body": BODY, "tags": ["chatbot"]}
    assert anon.post("/api/articles", json=new).status_code == 401
    login(client, make_user(session, role="startup", org=make_org(session, kind="startup")))
    assert client.post("/api/articles", json=new).status_code == 403

    author = expert(session)
    login(client, author)
    created = client.post("/api/articles", json=new)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["status"] == "draft" and data["version"] == 1 and data["tags"] == ["chatbot"]
    assert data["author_label"] == author.name  # the name, not the e-mail address
    ident = data["id"]
    assert client.post("/api/articles", json={"title": "x", "body": ""}).status_code == 422

    listed = client.get("/api/articles", params={"status": "draft", "per_page": 5}).json()
    assert {"items", "total", "page", "per_page", "pages"} <= set(listed)
    assert ident in [a["id"] for a in listed["items"]] and listed["per_page"] == 5
    assert client.get("/api/articles", params={"status": "archived"}).status_code == 422
    assert client.get("/api/articles", params={"sort": "nonsense"}).status_code == 422
    assert client.get(f"/api/articles/{ident}").json()["title"] == new["title"]

    missing_version = client.patch(f"/api/articles/{ident}", json={"title": "Neu"})
    assert missing_version.status_code == 422
    assert missing_version.json()["detail"][0]["field"] == "version"
    ok = client.patch(f"/api/articles/{ident}", json={"title": "Best Practice: Markterkundung kurz", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"/api/articles/{ident}", json={"title": "Zu spät", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"] == "conflict" and stale.json()["current_version"] == 2

    refused = client.post(f"/api/articles/{ident}/publish")
    assert refused.status_code == 409 and refused.json()["error"] == "illegal_transition"
    assert refused.json()["reason"] == "Artikel veröffentlicht die Lotsenstelle."

    other = expert(session)
    login(client, other)
    assert client.get(f"/api/articles/{ident}").status_code == 404  # someone else's draft stays hidden
    assert client.patch(f"/api/articles/{ident}", json={"title": "Fremd", "version": 2}).status_code == 404

    login(client, unit(session))
    assert client.post(f"/api/articles/{ident}/publish", json={"version": 1}).status_code == 409
    published = client.post(f"/api/articles/{ident}/publish", json={"version": 2})
    assert published.status_code == 200 and published.json()["status"] == "published"
    unit_edit = client.patch(
        f"/api/articles/{ident}", json={"body": "Gekürzt.", "version": published.json()["version"]}
    )
    assert unit_edit.status_code == 200 and unit_edit.json()["body"] == "Gekürzt."

    assert anon.get(f"/api/articles/{ident}").status_code == 200
    assert anon.patch(f"/api/articles/{ident}", json={"title": "Anonym", "version": 3}).status_code == 401
    login(client, other)
    assert client.patch(f"/api/articles/{ident}", json={"title": "Fremd", "version": 3}).status_code == 403


def test_an_article_is_found_by_meaning_without_sharing_a_word(session: Session, index_now: Any) -> None:
    # "Has someone solved this already?": the question shares no word with the article.
    lessons = publish(
        session,
        write(
            session,
            title="Erfahrungen: Kameras an Müllfahrzeugen erfassen Straßenschäden",
            body="Im Pilot erkannten Kameras auf Entsorgungsfahrzeugen Schlaglöcher und Risse; die "
            "Straßenmeisterei plante Reparaturen danach. Wichtig war eine frühe Datenschutzprüfung.",
        ),
    )
    other = publish(
        session,
        write(
            session, title="Erfahrungen mit einem Chatbot im Bürgerservice", body="Ein Assistent beantwortet Fragen."
        ),
    )
    index_now()
    query = "Wie haben andere Behörden kaputte Fahrbahnen automatisch entdeckt?"
    hits = matching.search(session=session, actor=ANONYMOUS, query=query, types=("article",)).groups["article"]
    ids = [h.entity_id for h in hits]
    assert ids and ids[0] == lessons.id and (other.id not in ids or ids.index(other.id) > 0)
    words = {w.strip("?:;.,").lower() for w in query.split()}
    assert not words & {w.strip("?:;.,").lower() for w in f"{lessons.title} {lessons.body}".split()}
