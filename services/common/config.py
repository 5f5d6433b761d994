"""Configuration from environment variables, all prefixed TALENTFLOW_ and declared here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Config:
    database_url: str
    bpmn_dir: Path
    instance_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000
    # The scheduler sleeps until work is due and wakes on every change; this is its safety
    # net's interval (README.md, "The scheduler").
    scheduler_interval_s: float = 60.0
    email_lease_s: float = 120.0  # how long a crashed sender's e-mails wait before another sends them
    smtp_host: str | None = None  # no SMTP server: notifications are shown in the app only
    smtp_port: int = 25
    smtp_sender: str = "talentflow@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    secret_key: str | None = None  # signs sessions; unset: generated once into instance_dir
    secure_cookies: bool = False  # send cookies over HTTPS only (set it behind TLS)
    demo_password: str | None = None  # for the demo users; unset: generated into instance_dir
    data_key: str | None = None  # base64 AES key for personal data; unset: generated into instance_dir
    retention_days: int = 90  # unsuccessful candidates' data kept this long (complaint window)
    trusted_proxies: int = (
        0  # reverse proxies in front whose X-Forwarded-For is believed; 0: the socket address
    )
    # A translations directory holding the pseudo-locale's catalog, every text marked
    # (docs/languages.md); unset, as in production: no pseudo-locale.
    pseudo_locale_dir: Path | None = None
    # Service tasks' calls out of the product (docs/connectors.md): the URL prefixes an
    # http_request may reach (none: no call leaves), each attempt's timeout, how many
    # attempts, the first retry's delay (doubled each time), how long a leased call waits
    # before another scheduler performs it again.
    http_allowlist: tuple[str, ...] = ()
    connector_timeout_s: float = 10.0
    connector_attempts: int = 5
    connector_backoff_s: float = 30.0
    connector_lease_s: float = 60.0

    @classmethod
    def from_env(cls, env=os.environ) -> "Config":
        instance_dir = Path(env.get("TALENTFLOW_INSTANCE_DIR", REPO_ROOT / "instance"))
        return cls(
            database_url=env.get("TALENTFLOW_DATABASE_URL", f"sqlite:///{instance_dir / 'talentflow.db'}"),
            bpmn_dir=Path(env.get("TALENTFLOW_BPMN_DIR", REPO_ROOT / "bpmn")),
            instance_dir=instance_dir,
            host=env.get("TALENTFLOW_HOST", "127.0.0.1"),
            port=int(env.get("TALENTFLOW_PORT", "5000")),
            scheduler_interval_s=float(env.get("TALENTFLOW_SCHEDULER_INTERVAL_S", "60")),
            email_lease_s=float(env.get("TALENTFLOW_EMAIL_LEASE_S", "120")),
            smtp_host=env.get("TALENTFLOW_SMTP_HOST") or None,
            smtp_port=int(env.get("TALENTFLOW_SMTP_PORT", "25")),
            smtp_sender=env.get("TALENTFLOW_SMTP_SENDER", "talentflow@localhost"),
            smtp_username=env.get("TALENTFLOW_SMTP_USERNAME") or None,
            smtp_password=env.get("TALENTFLOW_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("TALENTFLOW_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            secret_key=env.get("TALENTFLOW_SECRET_KEY") or None,
            secure_cookies=env.get("TALENTFLOW_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
            demo_password=env.get("TALENTFLOW_DEMO_PASSWORD") or None,
            data_key=env.get("TALENTFLOW_DATA_KEY") or None,
            retention_days=int(env.get("TALENTFLOW_RETENTION_DAYS", "90")),
            trusted_proxies=int(env.get("TALENTFLOW_TRUSTED_PROXIES", "0")),
            pseudo_locale_dir=Path(env["TALENTFLOW_PSEUDO_LOCALE_DIR"])
            if env.get("TALENTFLOW_PSEUDO_LOCALE_DIR")
            else None,
            http_allowlist=tuple(
                prefix.strip()
                for prefix in env.get("TALENTFLOW_HTTP_ALLOWLIST", "").split(",")
                if prefix.strip()
            ),
            connector_timeout_s=float(env.get("TALENTFLOW_CONNECTOR_TIMEOUT_S", "10")),
            connector_attempts=int(env.get("TALENTFLOW_CONNECTOR_ATTEMPTS", "5")),
            connector_backoff_s=float(env.get("TALENTFLOW_CONNECTOR_BACKOFF_S", "30")),
            connector_lease_s=float(env.get("TALENTFLOW_CONNECTOR_LEASE_S", "60")),
        )
