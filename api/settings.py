"""The one place the api reads its settings (environment and `.env`).

Nothing else in `api/` reads `os.environ`: ask `get_settings()`.
"""

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    api_port: int = 8000
    database_url: str = "sqlite:///var/familyhub.db"

    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 0
    redis_password: str = ""

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout_seconds: float = 30.0
    actions_url: str = "http://127.0.0.1:5055"
    actions_api_token: str = ""

    pseudonym_key: str = ""
    conversation_quiet_seconds: int = 86400
    conversation_expiry_seconds: int = 2592000
    secure_cookies: bool = False

    staff_session_idle_seconds: int = 28800
    staff_login_attempts: int = 5
    staff_lockout_seconds: int = 600
    demo_staff_password: str = ""

    # Personal data at rest (see api/crypto.py). Empty: the api refuses to
    # write or read names, phone numbers and the family's words.
    data_encryption_key: str = ""
    # A family is told a worker will be in touch by this long after the
    # worker's next shift starts ("by 10am on Tuesday" for a 9am start).
    referral_contact_within_minutes: int = 60

    health_timeout_seconds: float = 2.0
    data_dir: Path = Path("data")
    timezone: str = "Europe/London"
    clock_frozen_at: datetime | None = None  # tests only: see api/clock.py

    @property
    def data_path(self) -> Path:
        """DATA_DIR as an absolute path (relative paths are from the repo root)."""
        path = Path(self.data_dir)
        return path if path.is_absolute() else REPO_ROOT / path


@lru_cache
def get_settings() -> Settings:
    return Settings()
