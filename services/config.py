"""Configuration from environment variables, all prefixed TALENTFLOW_ and declared here."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Config:
    database_url: str
    bpmn_dir: Path
    instance_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000
    scheduler_interval_s: float = 5.0

    @classmethod
    def from_env(cls, env=os.environ) -> "Config":
        instance_dir = Path(env.get("TALENTFLOW_INSTANCE_DIR", REPO_ROOT / "instance"))
        return cls(
            database_url=env.get("TALENTFLOW_DATABASE_URL", f"sqlite:///{instance_dir / 'talentflow.db'}"),
            bpmn_dir=Path(env.get("TALENTFLOW_BPMN_DIR", REPO_ROOT / "bpmn")),
            instance_dir=instance_dir,
            host=env.get("TALENTFLOW_HOST", "127.0.0.1"),
            port=int(env.get("TALENTFLOW_PORT", "5000")),
            scheduler_interval_s=float(env.get("TALENTFLOW_SCHEDULER_INTERVAL_S", "5")),
        )
