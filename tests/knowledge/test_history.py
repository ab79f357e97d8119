"""Articles keep every version (who changed what) and carry attachments limited in type and size."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.config import settings
from govlotse.core.actor import SYSTEM
from govlotse.knowledge import service
from govlotse.knowledge.models import Article, ArticleAttachment
from govlotse.knowledge.schemas import ArticleCreate
from tests.factories import csrf, login, make_org, make_user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def article_by(session: Session, author: Any, **kw: Any) -> Article:
    return service.create_article(
        session=session,
        actor=accounts.actor_for(author),
        article_in=ArticleCreate(title="Pilot Straßenschäden", body="Erste Zeile.\n\nZweite Zeile."),
        **kw,
    )


def edit(client: TestClient, article: Article, session: Session, body: str, title: str | None = None) -> None:
    session.refresh(article)
    response = client.post(
        f"/wissen/artikel/{article.id}/bearbeiten",
        data={"csrf_token": csrf(client), "title": title or article.title, "body": body, "version": article.version},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def upload(client: TestClient, article: Article, name: str, data: bytes) -> Any:
    return client.post(
        f"/wissen/artikel/{article.id}/anhaenge",
        data={"csrf_token": csrf(client)},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_every_save_is_a_version_with_its_author_and_a_diff(client: TestClient, session: Session) -> None:
    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = article_by(session, expert)
    login(client, expert)
    edit(client, article, session, "Erste Zeile.\n\nZweite Zeile, genauer.")
    unit = make_user(session, role="unit", org=make_org(session))
    client.cookies.clear()
    login(client, unit)
    edit(client, article, session, "Erste Zeile.\n\nZweite Zeile, genauer.", title="Pilot Straßenschäden: Ergebnis")

    page = client.get(f"/wissen/artikel/{article.id}")
    assert "3 Versionen: wer hat was geändert" in page.text
    listing = client.get(f"/wissen/artikel/{article.id}/versionen")
    assert listing.status_code == 200 and expert.name in listing.text and unit.name in listing.text
    second = client.get(f"/wissen/artikel/{article.id}/versionen/2")
    assert "<del>" in second.text and "Zweite Zeile.</del>" in second.text
    assert "Zweite Zeile, genauer.</ins>" in second.text
    third = client.get(f"/wissen/artikel/{article.id}/versionen/3")
    assert "Titel geändert" in third.text
    assert client.get(f"/wissen/artikel/{article.id}/versionen/9").status_code == 404
    api = client.get(f"/api/articles/{article.id}/revisions").json()
    assert [(r["number"], r["changed_by"]) for r in api] == [(3, unit.name), (2, expert.name), (1, expert.name)]


def test_an_author_attaches_a_pdf_that_readers_download(client: TestClient, session: Session) -> None:
    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = article_by(session, expert)
    login(client, expert)
    done = upload(client, article, "../../Bericht  Pilot.pdf", PDF)
    assert done.status_code == 303 and "flash=attached" in done.headers["location"]
    stored = session.scalar(select(ArticleAttachment).where(ArticleAttachment.article_id == article.id))
    assert stored is not None and stored.filename == "Bericht Pilot.pdf" and stored.size == len(PDF)
    page = client.get(f"/wissen/artikel/{article.id}")
    assert "Bericht Pilot.pdf" in page.text
    file = client.get(f"/wissen/artikel/{article.id}/anhaenge/{stored.id}")
    assert file.content == PDF and file.headers["content-type"] == "application/pdf"
    assert file.headers["content-disposition"].startswith("attachment;")
    # A draft's attachment is as hidden as the draft; once published everyone may download it.
    client.cookies.clear()
    assert client.get(f"/wissen/artikel/{article.id}/anhaenge/{stored.id}").status_code == 404
    service.publish_article(session=session, actor=SYSTEM, article=article)
    assert client.get(f"/api/articles/{article.id}/attachments/{stored.id}").content == PDF
    assert [a["filename"] for a in client.get(f"/api/articles/{article.id}/attachments").json()] == [
        "Bericht Pilot.pdf"
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "Dateien dieses Typs werden nicht angenommen"),
        ("bericht.pdf", b"MZ\x90\x00 not a pdf", "passt nicht zu ihrer Endung .pdf"),
        ("tabelle.csv", b"a;b\n\x00\x01", "passt nicht zu ihrer Endung .csv"),
        ("leer.txt", b"", "Die Datei ist leer"),
    ],
)
def test_wrong_files_are_refused_with_a_reason(
    client: TestClient, session: Session, name: str, data: bytes, message: str
) -> None:
    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = article_by(session, expert)
    login(client, expert)
    response = upload(client, article, name, data)
    assert response.status_code == 422 and message in response.text and 'id="e-file"' in response.text
    assert session.scalar(select(ArticleAttachment).where(ArticleAttachment.article_id == article.id)) is None


def test_files_above_the_limit_are_refused(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "attachment_max_mb", 1)
    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = article_by(session, expert)
    login(client, expert)
    response = upload(client, article, "gross.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 422 and "höchstens 1 MB" in response.text


def test_only_the_author_and_the_unit_attach_or_remove(client: TestClient, session: Session) -> None:
    author = make_user(session, role="expert", org=make_org(session, kind="research"))
    other = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = service.publish_article(session=session, actor=SYSTEM, article=article_by(session, author))
    login(client, other)
    assert upload(client, article, "x.pdf", PDF).status_code == 403
    api = client.post(f"/api/articles/{article.id}/attachments", files={"file": ("x.pdf", PDF, "application/pdf")})
    assert api.status_code == 403
    client.cookies.clear()
    login(client, author)
    made = client.post(f"/api/articles/{article.id}/attachments", files={"file": ("x.pdf", PDF, "application/pdf")})
    assert made.status_code == 201, made.text
    client.cookies.clear()
    login(client, other)
    assert client.delete(f"/api/articles/{article.id}/attachments/{made.json()['id']}").status_code == 403
    client.cookies.clear()
    login(client, author)
    removed = client.post(
        f"/wissen/artikel/{article.id}/anhaenge/{made.json()['id']}/loeschen",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert client.get(f"/api/articles/{article.id}/attachments").json() == []


def test_file_names_lose_folders_and_control_characters() -> None:
    from govlotse.knowledge.history import clean_filename

    assert clean_filename("C:\\Users\\x\\Bericht\x07 2026.pdf") == "Bericht 2026.pdf"
    assert clean_filename("../../..") == "anhang"
    assert len(clean_filename("a" * 300 + ".pdf")) == 200 and clean_filename("a" * 300 + ".pdf").endswith(".pdf")


def test_an_article_links_use_cases_and_start_ups(client: TestClient, session: Session) -> None:
    from tests.factories import make_usecase

    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    usecase = make_usecase(session, title="Schlaglocherkennung in Rotterdam")
    startup = make_org(session, kind="startup", name="Sehwerk GmbH")
    agency = make_org(session)
    login(client, expert)
    bad = client.post(
        "/wissen/artikel/neu",
        data={
            "csrf_token": csrf(client),
            "title": "Kameras auf Müllfahrzeugen",
            "body": "Was wir gelernt haben.",
            "usecase_ids": f"/wissen/{usecase.id}, irgendwas",
            "startup_ids": f"/organisationen/{agency.id}",
        },
    )
    assert bad.status_code == 422 and 'id="e-usecase_ids"' in bad.text
    assert f'value="/wissen/{usecase.id}, irgendwas"' in bad.text  # the input stays as typed
    wrong_kind = client.post(
        "/wissen/artikel/neu",
        data={
            "csrf_token": csrf(client),
            "title": "Kameras auf Müllfahrzeugen",
            "body": "Was wir gelernt haben.",
            "usecase_ids": str(usecase.id),
            "startup_ids": f"/organisationen/{agency.id}",
        },
    )
    assert wrong_kind.status_code == 422 and "Dieses Start-up gibt es nicht" in wrong_kind.text
    made = client.post(
        "/wissen/artikel/neu",
        data={
            "csrf_token": csrf(client),
            "title": "Kameras auf Müllfahrzeugen",
            "body": "Was wir gelernt haben.",
            "usecase_ids": f"http://testserver/wissen/{usecase.id}",
            "startup_ids": f"/organisationen/{startup.id}",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    article_url = made.headers["location"].split("?")[0]
    page = client.get(article_url)
    assert "Schlaglocherkennung in Rotterdam" in page.text and "Sehwerk GmbH" in page.text
    assert "Kameras auf Müllfahrzeugen" in client.get(f"/wissen/{usecase.id}").text
    assert "Kameras auf Müllfahrzeugen" in client.get(f"/organisationen/{startup.id}").text
    article_id = int(article_url.rsplit("/", 1)[1])
    api = client.get(f"/api/articles/{article_id}").json()
    assert api["usecase_ids"] == [usecase.id] and api["startup_ids"] == [startup.id]
    # A visitor does not see the draft from the use case's page.
    client.cookies.clear()
    assert "Kameras auf Müllfahrzeugen" not in client.get(f"/wissen/{usecase.id}").text
