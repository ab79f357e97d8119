"""Single sign-on with OpenID Connect (Keycloak and similar): authorization code flow with PKCE.

Off unless ``GOVLOTSE_OIDC_ISSUER`` is set. The provider's discovery document and keys are fetched from
the configured issuer (never from anywhere else) and cached for an hour. The ID token is verified (signature
against the provider's keys, issuer, audience, expiry, nonce). Claims map to GovLotse: a role from a group
claim (``GOVLOTSE_OIDC_ROLE_MAP``), an organisation from an organisation claim (matched against an
organisation's external id or name). People are found by their provider subject, then — only if the
provider says the address is verified — by e-mail address; otherwise a new account is made when the claims
give a role. Role and organisation follow the claims at every login.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from govlotse.accounts.models import Membership, User
from govlotse.accounts.service import ROLE_ORG_KINDS, actor_for, get_user_by_email
from govlotse.analytics import usage
from govlotse.analytics.models import Metric
from govlotse.config import settings
from govlotse.core import audit, security
from govlotse.core.actor import SYSTEM, Role
from govlotse.core.models import utcnow
from govlotse.errors import AppError
from govlotse.i18n import N_
from govlotse.organisations.models import Organisation, OrganisationKind

log = logging.getLogger(__name__)

CALLBACK_PATH = "/anmelden/sso/zurueck"
STATE_COOKIE = "govlotse_sso"
# When several groups map to roles, the one with the widest rights wins.
ROLE_ORDER = [Role.admin, Role.unit, Role.agency, Role.expert, Role.startup]


class SsoError(AppError):
    """Single sign-on did not work; the message says why, for the person at the login page."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status_code=400, code="sso_failed")


FAILED = N_("Die Anmeldung über Single Sign-on ist fehlgeschlagen. Bitte versuchen Sie es erneut.")
UNREACHABLE = N_("Der Anmeldedienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.")
NO_ROLE = N_("Ihr Dienstkonto ist für GovLotse nicht freigeschaltet. Bitte wenden Sie sich an die Lotsenstelle.")
NO_EMAIL = N_("Der Anmeldedienst hat keine E-Mail-Adresse übermittelt.")
UNVERIFIED = N_("Zu dieser E-Mail-Adresse gibt es schon ein Konto. Bitte melden Sie sich mit Ihrem Passwort an.")
INACTIVE = N_("Dieses Konto ist gesperrt.")


def enabled() -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()
CACHE_SECONDS = 3600


def _cached(key: str, load: Any, *, refresh: bool = False) -> Any:
    with _cache_lock:
        hit = _cache.get(key)
        if hit and not refresh and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = load()
    with _cache_lock:
        _cache[key] = (time.monotonic(), value)
    return value


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("OIDC: %s not readable: %s", url, exc)
        raise SsoError(UNREACHABLE) from exc
    return data


def provider() -> Provider:
    issuer = settings.oidc_issuer.rstrip("/")

    def load() -> Provider:
        doc = _get_json(f"{issuer}/.well-known/openid-configuration")
        if doc.get("issuer", "").rstrip("/") != issuer:
            log.warning("OIDC: discovery names issuer %r, configured %r", doc.get("issuer"), issuer)
            raise SsoError(FAILED)
        return Provider(
            issuer=doc["issuer"],
            authorization_endpoint=doc["authorization_endpoint"],
            token_endpoint=doc["token_endpoint"],
            jwks_uri=doc["jwks_uri"],
        )

    result: Provider = _cached(f"discovery:{issuer}", load)
    return result


def _keys(p: Provider, *, refresh: bool = False) -> KeySet:
    def load() -> KeySet:
        return KeySet.import_key_set(_get_json(p.jwks_uri))  # type: ignore[arg-type]

    result: KeySet = _cached(f"jwks:{p.jwks_uri}", load, refresh=refresh)
    return result


def redirect_uri() -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def start(next_path: str) -> tuple[str, str]:
    """The provider's login URL and the value of the state cookie (state, nonce, PKCE verifier, target)."""
    p = provider()
    state, nonce, verifier = security.new_token(), security.new_token(), security.new_token(48)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri(),
            "scope": settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{p.authorization_endpoint}?{query}", "|".join([state, nonce, verifier, next_path])


def claims_for(*, code: str, state: str, cookie: str | None) -> tuple[dict[str, Any], str]:
    """Exchange the code and verify the ID token; returns its claims and where the person wanted to go."""
    parts = (cookie or "").split("|", 3)
    if len(parts) != 4 or not state or not security.same(parts[0], state):
        raise SsoError(FAILED)
    _state, nonce, verifier, next_path = parts
    p = provider()
    try:
        response = httpx.post(
            p.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(),
                "client_id": settings.oidc_client_id,
                "client_secret": settings.oidc_client_secret,
                "code_verifier": verifier,
            },
            timeout=10,
        )
    except httpx.HTTPError as exc:
        raise SsoError(UNREACHABLE) from exc
    if response.status_code != 200 or "id_token" not in response.json():
        log.warning("OIDC: token endpoint answered %s: %s", response.status_code, response.text[:300])
        raise SsoError(FAILED)
    claims = verify_id_token(response.json()["id_token"], nonce=nonce)
    return claims, next_path


def verify_id_token(id_token: str, *, nonce: str) -> dict[str, Any]:
    p = provider()
    try:
        try:
            token = jwt.decode(id_token, _keys(p), algorithms=["RS256", "ES256", "PS256"])
        except JoseError:
            token = jwt.decode(id_token, _keys(p, refresh=True), algorithms=["RS256", "ES256", "PS256"])  # key rotation
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": p.issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            leeway=60,
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        log.warning("OIDC: ID token refused: %s", exc)
        raise SsoError(FAILED) from exc
    return dict(token.claims)


def role_from(claims: dict[str, Any]) -> Role | None:
    values = claims.get(settings.oidc_role_claim) or []
    if isinstance(values, str):
        values = [values]
    mapped = {Role(settings.oidc_role_map[v]) for v in values if isinstance(v, str) and v in settings.oidc_role_map}
    for role in ROLE_ORDER:
        if role in mapped:
            return role
    return Role(settings.oidc_default_role) if settings.oidc_default_role else None


def organisation_from(session: Session, claims: dict[str, Any], role: Role) -> Organisation | None:
    value = claims.get(settings.oidc_org_claim)
    if not isinstance(value, str) or not value.strip():
        return None
    org = session.scalar(
        select(Organisation).where(
            or_(Organisation.external_id == value.strip(), func.lower(Organisation.name) == value.strip().lower())
        )
    )
    if org is None or OrganisationKind(org.kind) not in ROLE_ORG_KINDS[role]:
        log.warning("OIDC: organisation claim %r matches no organisation for role %s", value, role)
        return None
    return org


def user_for(session: Session, claims: dict[str, Any]) -> User:
    """The account for these claims: found by subject, linked by verified e-mail, or made; synced to the claims."""
    subject = f"{claims['iss']}|{claims['sub']}"
    email = str(claims.get("email") or "").strip().lower()
    role = role_from(claims)
    user = session.scalar(select(User).where(User.oidc_subject == subject).options(selectinload(User.memberships)))
    if user is None and email:
        user = get_user_by_email(session=session, email=email)
        if user is not None:
            if claims.get("email_verified") is not True:
                raise SsoError(UNVERIFIED)
            user.oidc_subject = subject
            audit.record(session, actor=actor_for(user), action="user.link_sso", entity_type="user", entity_id=user.id)
    if user is None:
        if role is None:
            raise SsoError(NO_ROLE)
        if not email:
            raise SsoError(NO_EMAIL)
        name = str(claims.get("name") or " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")))
        user = User(
            email=email,
            name=name.strip()[:200] or email,
            role=role,
            password_hash=None,  # signs in through the provider only (a password can be set by reset)
            oidc_subject=subject,
            email_verified_at=utcnow(),
            memberships=[],
        )
        session.add(user)
        session.flush()
        usage.count(session, Metric.registrations)
        audit.record(
            session,
            actor=SYSTEM,
            action="user.create",
            entity_type="user",
            entity_id=user.id,
            data={"role": str(role), "via": "oidc"},
        )
    if not user.is_active:
        raise SsoError(INACTIVE)
    if role is not None and user.role != role:
        audit.record(
            session,
            actor=SYSTEM,
            action="user.update",
            entity_type="user",
            entity_id=user.id,
            data={"role": [user.role, str(role)], "via": "oidc"},
        )
        user.role = role
    org = organisation_from(session, claims, Role(user.role))
    if org is not None and not any(m.organisation_id == org.id for m in user.memberships):
        user.memberships.append(Membership(organisation_id=org.id, org_role="member"))
        audit.record(
            session,
            actor=SYSTEM,
            action="organisation.join",
            entity_type="organisation",
            entity_id=org.id,
            data={"user_id": user.id, "via": "oidc"},
        )
    session.flush()
    return user
