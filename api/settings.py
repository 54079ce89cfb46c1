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
    # Redis holds conversations, so it should keep nothing on disk; the api
    # warns at start-up if it does, unless this says that is intended.
    redis_may_persist: bool = False

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout_seconds: float = 30.0
    actions_url: str = "http://127.0.0.1:5055"
    actions_api_token: str = ""

    pseudonym_key: str = ""
    conversation_quiet_seconds: int = 86400
    conversation_expiry_seconds: int = 2592000
    # How long a web chat is shown again in the same browser after the last
    # message (the page says so): short, as the next person at a shared
    # computer would see it. The conversation itself goes on for the quiet time.
    web_chat_shown_seconds: int = 1800
    secure_cookies: bool = False
    # Web chat widget (api/chat/): the council sites allowed to show the chat
    # in an iframe and to call POST /chat/messages (comma-separated origins,
    # like "https://www.council.gov.uk,https://familyhubs.council.gov.uk").
    widget_allowed_origins: str = ""
    # Where "Leave quickly" on the web chat goes: a neutral site.
    leave_quickly_url: str = "https://www.bbc.co.uk/weather"

    # Limits on family-facing routes (api/limits.py).
    family_body_max_bytes: int = 16384
    chat_max_per_minute_per_browser: int = 20
    chat_max_per_minute_per_address: int = 60  # new chats (no cookie yet) from one address

    staff_session_idle_seconds: int = 28800
    staff_login_attempts: int = 5  # per email
    staff_login_attempts_per_address: int = 20  # per address, whichever emails
    staff_lockout_seconds: int = 600
    # The demo (a fresh `make run`): the made-up staff in data/demo/staff.yml
    # are created, with DEMO_STAFF_PASSWORD, only when DEMO_MODE is true.
    demo_mode: bool = False
    demo_staff_password: str = ""

    # Personal data at rest (see api/crypto.py). Empty: the api refuses to
    # write or read names, phone numbers and the family's words.
    data_encryption_key: str = ""
    # The key for look-up hashes (phone numbers, STOPs): never rotated.
    # Empty: the single DATA_ENCRYPTION_KEY serves (see api/crypto.py).
    lookup_hash_key: str = ""
    # How long each kind of record is kept, in days (api/privacy/retention.py;
    # the privacy answer in data/content/ tells families the same).
    retention_conversation_days: int = 30  # texts, conversation records, unanswered messages
    retention_booking_days: int = 90  # after the session's date: name, number, ages removed
    retention_request_days: int = 730  # after a request is closed: everything personal removed
    retention_audit_days: int = 2190  # the audit log (no personal data in it)
    # A family is told a worker will be in touch by this long after the
    # worker's next shift starts ("by 10am on Tuesday" for a 9am start).
    referral_contact_within_minutes: int = 60

    # Bookings (api/bookings/): how many one web chat (browser) may make in
    # a day, how many upcoming ones one phone number may hold, and the most
    # families on one session date's waiting list.
    booking_max_per_browser_per_day: int = 5
    booking_max_per_number: int = 6
    booking_waiting_list_max: int = 10
    # Bookings a day from the web chats one address started: a script that
    # drops its cookie starts a new chat each time, not a new address.
    # Generous, for families behind one wifi (a library, a hub's own).
    booking_max_per_address_per_day: int = 20

    # SMS over Twilio (api/sms/). With no account sid or auth token, texts
    # are kept in the outbox (status "simulated") and the staff SMS
    # simulator is on. Operators and tooling rely on these exact names.
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""  # used instead of the from number when set
    public_base_url: str = ""  # the address Twilio posts to; signatures are checked against it
    twilio_api_base_url: str = "https://api.twilio.com"  # tests point it at a loopback stand-in
    # Calling codes texts may go to ("44" is the UK); "*" for anywhere.
    sms_allowed_country_codes: str = "44"
    sms_max_per_number_per_hour: int = 30  # texts to one number; more are not sent
    sms_max_inbound_per_number_per_hour: int = 40  # texts from one number we answer
    sms_max_per_minute: int = 60  # all texts; more wait for the next minute
    sms_max_per_day: int = 5000  # all texts; more are not sent (staff see them)
    sms_quiet_from_hour: int = 20  # notices and reminders wait from 8pm...
    sms_quiet_until_hour: int = 8  # ...until 8am (London time) unless urgent
    sms_holding_after_seconds: int = 60  # a reply this late gets one holding text first
    sms_give_up_after_seconds: int = 86400  # stop retrying a message after this long
    sms_workers: int = 3  # worker processes (python -m api.sms.worker)
    # WhatsApp through the same Twilio account (api/sms/whatsapp.py). Its
    # sender: TWILIO_WHATSAPP_FROM, else the messaging service, else
    # TWILIO_FROM_NUMBER registered with WhatsApp. Outside the 24 hours
    # after a family's last WhatsApp message only an approved template
    # may go: WHATSAPP_TEMPLATES gives each kind of text its Content SID,
    # "booking_reminder=HX...,worker_introduction=HX..."; each template
    # has one variable, {{1}}, which carries the words.
    twilio_whatsapp_from: str = ""
    whatsapp_templates: str = ""

    # The languages a family can be answered in (api/languages/): codes from
    # data/languages.yml, English first. A family's language is taken from
    # their messages when the detector is at least this sure, or chosen by
    # them ("English please", "po polsku").
    languages: str = "en,pl,ro,ur,ar,uk,bn"
    language_min_confidence: float = 0.8

    # A council's Open Referral UK (HSDS 3) API, read on a schedule by the one
    # scheduler (python -m api.sms.worker --cron) into the directory
    # (api/directory/oruk_feed.py). Empty: never read, nothing scheduled.
    oruk_feed_url: str = ""
    oruk_feed_every_seconds: int = 21600  # every 6 hours
    oruk_feed_per_page: int = 100
    oruk_feed_timeout_seconds: float = 30.0  # each request
    oruk_feed_retries: int = 3  # more tries of a page (or record) that failed
    oruk_feed_backoff_seconds: float = 2.0  # doubled after each failed try

    # GET /metrics (Prometheus) answers only with "Authorization: Bearer
    # <METRICS_TOKEN>"; empty switches it off.
    metrics_token: str = ""

    health_timeout_seconds: float = 2.0
    # Teaching the assistant (api/teaching/). The model Rasa pulls from
    # GET /internal/model: the live trained one, else MODEL_PATH (the one
    # `make run` trains from the repository). Trained models and their
    # training files are kept in MODEL_STORE. Training runs the Rasa
    # venv's RASA_COMMAND with TRAINING_CONFIG (tests use fewer epochs).
    model_path: Path = Path("models/current.tar.gz")
    model_store: Path = Path("var/models")
    rasa_command: Path = Path(".venvs/rasa/bin/rasa")
    training_config: Path = Path("config.yml")
    training_timeout_seconds: int = 1800
    data_dir: Path = Path("data")
    timezone: str = "Europe/London"
    clock_frozen_at: datetime | None = None  # tests only: see api/clock.py

    @property
    def twilio_configured(self) -> bool:
        """Real texts go out through Twilio (else they stay in the outbox)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token
                    and (self.twilio_from_number or self.twilio_messaging_service_sid))

    @property
    def whatsapp_template_sids(self) -> dict[str, str]:
        """WHATSAPP_TEMPLATES as {kind of text: Content SID}."""
        pairs = (part.split("=", 1) for part in self.whatsapp_templates.split(",") if "=" in part)
        return {kind.strip(): sid.strip() for kind, sid in pairs if kind.strip() and sid.strip()}

    @property
    def language_codes(self) -> tuple[str, ...]:
        """LANGUAGES as codes, English always first."""
        codes = [part.strip().lower() for part in self.languages.split(",") if part.strip()]
        return ("en", *dict.fromkeys(code for code in codes if code != "en"))

    @property
    def widget_origins(self) -> list[str]:
        """WIDGET_ALLOWED_ORIGINS as a list of "scheme://host[:port]", lower case."""
        return [part.strip().rstrip("/").lower() for part in self.widget_allowed_origins.split(",") if part.strip()]

    def repo_file(self, path: Path) -> Path:
        """A path from a setting, relative paths from the repo root."""
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def data_path(self) -> Path:
        """DATA_DIR as an absolute path (relative paths are from the repo root)."""
        path = Path(self.data_dir)
        return path if path.is_absolute() else REPO_ROOT / path


@lru_cache
def get_settings() -> Settings:
    return Settings()
