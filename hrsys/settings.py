"""hrsys settings: everything comes from the environment (12-factor).

Local runs read ``var/secrets.env`` (created by ``make run`` / ``make test``);
real environment variables always win. Production differs only by variables;
see README "Configuration" and ``.env.example``.
"""

import base64
import binascii
import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HRSYS_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
_secrets_file = Path(os.environ.get("HRSYS_SECRETS_FILE", VAR_DIR / "secrets.env"))
if _secrets_file.exists():
    environ.Env.read_env(str(_secrets_file), overwrite=False)

TESTING = "pytest" in sys.modules or os.environ.get("HRSYS_TESTING") == "1"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (see .env.example) or run `make run`, "
            f"which creates local secrets in {_secrets_file}."
        )
    return value


def _b64_key(name: str, raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: key is not valid base64")
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: key must be 32 bytes (AES-256), got {len(key)}")
    return key


def parse_data_keys(raw: str, name: str = "HRSYS_DATA_KEYS") -> dict[str, bytes]:
    """``kid:base64key,kid2:base64key``; the first key encrypts, all keys decrypt."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kid, sep, material = part.partition(":")
        if not sep or not kid.isalnum():
            raise ImproperlyConfigured(f"{name}: expected 'keyid:base64key' entries, got {part[:12]!r}...")
        if kid in keys:
            raise ImproperlyConfigured(f"{name}: key id {kid!r} appears twice")
        keys[kid] = _b64_key(f"{name} ({kid})", material)
    if not keys:
        raise ImproperlyConfigured(f"{name} holds no keys")
    return keys


SECRET_KEY = _required("SECRET_KEY")
HRSYS_DATA_KEYS = parse_data_keys(_required("HRSYS_DATA_KEYS"))
HRSYS_BLIND_INDEX_KEY = _b64_key("HRSYS_BLIND_INDEX_KEY", _required("HRSYS_BLIND_INDEX_KEY"))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links in messages and the /l/ redirects. Unset, they point at the local server on PORT (the port
# `make run` serves on), so `PORT=8100 make run` sends links to :8100, not to another server on :8000.
PORT = env.int("PORT", default=8000)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "axes",
    # before hrsys.accounts: its admin unregisters django-otp's device admins (devices change through services)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hrsys.accounts",
    "hrsys.audit",
    "hrsys.crypto",
    "hrsys.core",
    "hrsys.events",
    "hrsys.privacy",
    "candidates",
    "interviews",
    "interviews.ai",
    "notifications",
    "onboarding",
    "employees",
    "attendance",
    "workspace",
    "portal",
    "dashboard",
    "careers",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hrsys.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hrsys.core.middleware.RequestUserMiddleware",
    # Staff sign-in (R-SEC-9): which device verified this session, then the idle timeout and the second-factor
    # gate (hrsys/accounts/security_middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "hrsys.accounts.security_middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused or locked-out staff login into the 429 page (hrsys.accounts.throttle).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hrsys.urls"
WSGI_APPLICATION = "hrsys.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"
# After login each role starts on its own page (hrsys.core.views.start); an explicit ?next= wins.
LOGIN_REDIRECT_URL = "/start/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI, SQLite under var/ by default.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hrsys.sqlite3'}")}
# Lets two test runs share one machine without sharing a test database.
_TEST_DB_SUFFIX = env.str("HRSYS_TEST_DB_SUFFIX", default="")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test{_TEST_DB_SUFFIX}.sqlite3")}
    # IMMEDIATE transactions and WAL: web, worker and beat write the same file without
    # "database is locked" upgrades from read to write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_hrsys{_TEST_DB_SUFFIX}"}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # a kept connection is checked before a request reuses it: after a PostgreSQL restart the next request
    # reconnects instead of failing once per thread
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Broker: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under
# var/broker, a real broker needing no server that a real worker and beat consume.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = Path(env.str("HRSYS_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # kombu's default is ./control in the cwd
        "store_processed": False,
    }
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_DEFAULT_QUEUE = env.str("HRSYS_QUEUE", default="hrsys")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# What a 503 asks clients to wait (Retry-After) when the database cannot be reached (hrsys.core.views.server_error).
SERVICE_RETRY_AFTER_SECONDS = env.int("SERVICE_RETRY_AFTER_SECONDS", default=30)
# Beat's period: every tick claims its period (hrsys.core.tasks.hr_tick), so a second beat runs nothing twice.
HR_TICK_SECONDS = env.float("HR_TICK_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "hr-tick-every-minute": {"task": "hrsys.core.tasks.hr_tick", "schedule": HR_TICK_SECONDS},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

if REDIS_URL:
    # Redis away (a restart): a cache miss, not an error page (hrsys/core/cache.py); never waits long for it
    CACHES = {"default": {"BACKEND": "hrsys.core.cache.ForgivingRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Email: EMAIL_URL (smtp://user:pass@host:587, smtp+tls://...); without it every message becomes an .eml
# file in the development outbox. Django's console backend would print whole messages to stdout, which the
# Celery worker logs: it is replaced by the outbox too (R-SEC-2).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="notifications.channels.dev_email.OutboxEmailBackend")
    if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        EMAIL_BACKEND = "notifications.channels.dev_email.OutboxEmailBackend"
# Console SMS / voice and the outbox e-mail backend keep each message here (one file per message) for the
# staff page /admin/notifications/dev-outbox/; never in the log. Empty: kept nowhere.
DEV_OUTBOX_DIR = env.str("DEV_OUTBOX_DIR", default="" if TESTING else str(VAR_DIR / "outbox"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hrsys <no-reply@hrsys.local>")
EMAIL_TIMEOUT = 20

# Twilio (SMS and voice). When unset, console backends keep the messages in DEV_OUTBOX_DIR instead of sending.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="")  # e.g. a local fake server in tests
SMS_BACKEND = env.str("SMS_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
VOICE_BACKEND = env.str("VOICE_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
# Domestic SMS (R-CN-1): SMS_BACKEND=aliyun or tencent sends the provider's approved templates under a registered
# signature (the template codes are set per message template in the admin). Endpoints: e.g. a local fake in tests.
ALIYUN_SMS_ACCESS_KEY_ID = env.str("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env.str("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env.str("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_ENDPOINT = env.str("ALIYUN_SMS_ENDPOINT", default="dysmsapi.aliyuncs.com")
TENCENT_SMS_SECRET_ID = env.str("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env.str("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env.str("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env.str("TENCENT_SMS_SIGN_NAME", default="")
TENCENT_SMS_REGION = env.str("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env.str("TENCENT_SMS_ENDPOINT", default="sms.tencentcloudapi.com")
# Delivery receipts of the domestic providers are pulled every minute for messages sent this many hours ago at most.
SMS_RECEIPT_PULL_HOURS = env.int("SMS_RECEIPT_PULL_HOURS", default=24)

# Staff messages in WeCom (企业微信) and DingTalk (R-CN-2, R-INT-3): a provider is on when its ids are set; staff
# who chose it and are bound by their mobile number get their staff messages there, everyone else keeps e-mail.
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com/cgi-bin/")
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com/")
STAFF_IM_TIMEOUT = env.int("STAFF_IM_TIMEOUT", default=10)

# Notifications outbox (notifications/): delivery policy.
NOTIFICATIONS_QUIET_HOURS = env.str("NOTIFICATIONS_QUIET_HOURS", default="21:00-08:00")
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=600)
NOTIFICATIONS_DISPATCH_BATCH = env.int("NOTIFICATIONS_DISPATCH_BATCH", default=500)
NOTIFICATIONS_DISPATCH_MAX_PER_TICK = env.int("NOTIFICATIONS_DISPATCH_MAX_PER_TICK", default=20000)
NOTIFICATIONS_TWILIO_TIMEOUT = env.int("NOTIFICATIONS_TWILIO_TIMEOUT", default=15)
# Sending in batches: rows per worker task, provider calls at once per worker process, and messages per second
# per sending number (Twilio's rule for a US long code is 1; 0 = no limit, the default against a fake/local Twilio).
NOTIFICATIONS_SEND_BATCH = env.int("NOTIFICATIONS_SEND_BATCH", default=100)
NOTIFICATIONS_SEND_THREADS = env.int("NOTIFICATIONS_SEND_THREADS", default=8)
NOTIFICATIONS_SENDER_RATE = env.float("NOTIFICATIONS_SENDER_RATE", default=0.0 if TWILIO_API_BASE else 1.0)
# A provider failing again and again (5xx, 429, timeouts) pauses its messages instead of burning their tries:
# after this many failures in a row, for this long; then a few go as a probe (notifications.ProviderCircuit).
NOTIFICATIONS_CIRCUIT_THRESHOLD = env.int("NOTIFICATIONS_CIRCUIT_THRESHOLD", default=20)
NOTIFICATIONS_CIRCUIT_OPEN_SECONDS = env.int("NOTIFICATIONS_CIRCUIT_OPEN_SECONDS", default=300)
NOTIFICATIONS_CIRCUIT_PROBES = env.int("NOTIFICATIONS_CIRCUIT_PROBES", default=3)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env.str("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="hrsys.local")
# A tracked link (/l/<token>) stops redirecting this many days after the message was written (R-SEC-3).
TRACKED_LINK_TTL_DAYS = env.int("TRACKED_LINK_TTL_DAYS", default=30)

# Interviews and scheduling (interviews/).
INTERVIEWS_AI_DEADLINE_HOURS = env.int("INTERVIEWS_AI_DEADLINE_HOURS", default=24)
INTERVIEWS_NO_SHOW_GRACE_MINUTES = env.int("INTERVIEWS_NO_SHOW_GRACE_MINUTES", default=120)
# Proposed and automatically booked interviews start at least this far ahead, on 5-minute marks (issue 18 item 3).
INTERVIEWS_BOOKING_LEAD_MINUTES = env.int("INTERVIEWS_BOOKING_LEAD_MINUTES", default=60)
INTERVIEWS_REBOOK_DAYS = env.int("INTERVIEWS_REBOOK_DAYS", default=3)
INTERVIEWS_REBOOK_ANSWER_HOURS = env.int("INTERVIEWS_REBOOK_ANSWER_HOURS", default=48)
# Offered rebooking times, local wall clock: "09:00,14:00".
INTERVIEWS_REBOOK_TIMES = tuple(
    tuple(int(part) for part in hhmm.split(":"))
    for hhmm in env.list("INTERVIEWS_REBOOK_TIMES", default=["09:00", "14:00"])
)
INTERVIEWS_ORGANIZER_EMAIL = env.str("INTERVIEWS_ORGANIZER_EMAIL", default="") or None

# AI interviews (interviews/ai/).
AI_INTERVIEW_ADAPTERS = tuple(env.list("AI_INTERVIEW_ADAPTERS", default=[]))
AI_INTERVIEWS_REJECTION_HOLD_HOURS = env.int("AI_INTERVIEWS_REJECTION_HOLD_HOURS", default=0)
# The webhook hands stored deliveries to the worker in batches gathered for this long (0: one task each at once),
# and keeps each vendor's row this long per process (interviews/ai/hand_over.py, webhook_vendors.py)
AI_DELIVERY_HAND_OVER_SECONDS = env.float("AI_DELIVERY_HAND_OVER_SECONDS", default=0.02)
AI_VENDOR_CACHE_SECONDS = env.float("AI_VENDOR_CACHE_SECONDS", default=5)
AI_INTERVIEWS_DEFAULT_PASS = env.int("AI_INTERVIEWS_DEFAULT_PASS", default=70)
AI_INTERVIEWS_DEFAULT_BORDERLINE = env.int("AI_INTERVIEWS_DEFAULT_BORDERLINE", default=60)
AI_INTERVIEWS_NOTABLE_SCORE = env.int("AI_INTERVIEWS_NOTABLE_SCORE", default=90)
AI_INTERVIEWS_MEDIA_MAX_BYTES = env.int("AI_INTERVIEWS_MEDIA_MAX_BYTES", default=512 * 1024 * 1024)
AI_INTERVIEWS_MEDIA_MAX_ATTEMPTS = env.int("AI_INTERVIEWS_MEDIA_MAX_ATTEMPTS", default=5)
# Vendor media downloads are https-only, to the vendor's listed media hosts, at public addresses only
# (hrsys/core/safe_http.py, R-SEC-1). For tests and development only, exact host names that may use http /
# may resolve to a loopback or private address. Leave both empty in production.
AI_MEDIA_HTTP_HOSTS = tuple(env.list("AI_MEDIA_HTTP_HOSTS", default=[]))
AI_MEDIA_ALLOW_PRIVATE_HOSTS = tuple(env.list("AI_MEDIA_ALLOW_PRIVATE_HOSTS", default=[]))

# Outgoing events (hrsys/events/, R-INT-2): signed webhooks to integrators' subscriptions. Deliveries go to
# https URLs at public addresses only (hrsys/core/safe_http.py); for tests and development only, exact host
# names that may use http / may resolve to a loopback or private address. Leave both empty in production.
EVENTS_HTTP_HOSTS = tuple(env.list("EVENTS_HTTP_HOSTS", default=[]))
EVENTS_ALLOW_PRIVATE_HOSTS = tuple(env.list("EVENTS_ALLOW_PRIVATE_HOSTS", default=[]))
EVENTS_MAX_ATTEMPTS = env.int("EVENTS_MAX_ATTEMPTS", default=8)
EVENTS_RETRY_BASE_SECONDS = env.int("EVENTS_RETRY_BASE_SECONDS", default=30)
EVENTS_RETRY_MAX_SECONDS = env.int("EVENTS_RETRY_MAX_SECONDS", default=6 * 3600)
EVENTS_LEASE_SECONDS = env.int("EVENTS_LEASE_SECONDS", default=120)
EVENTS_TIMEOUT_SECONDS = env.int("EVENTS_TIMEOUT_SECONDS", default=10)

# Offers (onboarding/) and the candidate portal (portal/).
OFFER_LETTER_PDF = env.bool("OFFER_LETTER_PDF", default=True)
SOFFICE_BINARY = env.str("SOFFICE_BINARY", default="soffice")
OFFER_DEFAULT_START_DAYS = env.int("OFFER_DEFAULT_START_DAYS", default=14)
OFFER_APPROVAL_REMIND_HOURS = env.int("OFFER_APPROVAL_REMIND_HOURS", default=24)
OFFER_APPROVAL_MAX_REMINDERS = env.int("OFFER_APPROVAL_MAX_REMINDERS", default=3)
PORTAL_LINK_DAYS = env.int("PORTAL_LINK_DAYS", default=7)
PORTAL_CODE_MINUTES = env.int("PORTAL_CODE_MINUTES", default=10)
PORTAL_CODE_TRIES = env.int("PORTAL_CODE_TRIES", default=5)
PORTAL_CODE_PER_DESTINATION = env.int("PORTAL_CODE_PER_DESTINATION", default=3)
PORTAL_CODE_PER_IP = env.int("PORTAL_CODE_PER_IP", default=10)
PORTAL_SESSION_MINUTES = env.int("PORTAL_SESSION_MINUTES", default=60)
PORTAL_SESSION_MAX_HOURS = env.int("PORTAL_SESSION_MAX_HOURS", default=8)
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Data subject requests (R-SEC-6): HR answers within PRIVACY_REQUEST_DUE_DAYS (PIPL names no number; 15 days is
# what GB/T 35273 asks); a prepared copy of a candidate's data can be downloaded for PRIVACY_COPY_DOWNLOAD_DAYS.
PRIVACY_REQUEST_DUE_DAYS = env.int("PRIVACY_REQUEST_DUE_DAYS", default=15)
PRIVACY_COPY_DOWNLOAD_DAYS = env.int("PRIVACY_COPY_DOWNLOAD_DAYS", default=7)

# The public careers site (careers/): applications per client address per hour (every try counts) and accepted
# applications per phone number or e-mail address per day.
CAREERS_APPLY_PER_IP = env.int("CAREERS_APPLY_PER_IP", default=20)
CAREERS_APPLY_PER_CONTACT = env.int("CAREERS_APPLY_PER_CONTACT", default=5)
# Requests per client address to the public API (/api/v1/public/), DRF's rate format.
PUBLIC_API_RATE = env.str("PUBLIC_API_RATE", default="120/min")

# Onboarding cases and attendance (onboarding/, attendance/).
ATTENDANCE_FUTURE_TOLERANCE_SECONDS = env.int("ATTENDANCE_FUTURE_TOLERANCE_SECONDS", default=300)
ATTENDANCE_MAX_PUNCH_AGE_DAYS = env.int("ATTENDANCE_MAX_PUNCH_AGE_DAYS", default=62)
ATTENDANCE_MAX_BATCH = env.int("ATTENDANCE_MAX_BATCH", default=1000)
ATTENDANCE_IMPORT_MAX_ROWS = env.int("ATTENDANCE_IMPORT_MAX_ROWS", default=100000)
ATTENDANCE_SIGNATURE_MAX_SKEW = env.int("ATTENDANCE_SIGNATURE_MAX_SKEW", default=300)
ATTENDANCE_NO_SHOW_HOURS = env.int("ATTENDANCE_NO_SHOW_HOURS", default=36)
ATTENDANCE_PUSH_TIMEOUT_SECONDS = env.int("ATTENDANCE_PUSH_TIMEOUT_SECONDS", default=10)
ATTENDANCE_PUSH_RETRY_BASE_SECONDS = env.int("ATTENDANCE_PUSH_RETRY_BASE_SECONDS", default=60)
ATTENDANCE_PUSH_RETRY_MAX_SECONDS = env.int("ATTENDANCE_PUSH_RETRY_MAX_SECONDS", default=3600)
ATTENDANCE_PUSH_MAX_ATTEMPTS = env.int("ATTENDANCE_PUSH_MAX_ATTEMPTS", default=6)
ATTENDANCE_PUSH_LEASE_SECONDS = env.int("ATTENDANCE_PUSH_LEASE_SECONDS", default=600)
ATTENDANCE_PULL_SETTLE_SECONDS = env.int("ATTENDANCE_PULL_SETTLE_SECONDS", default=120)
ATTENDANCE_PROBATION_MAX_LATE = env.int("ATTENDANCE_PROBATION_MAX_LATE", default=5)
ATTENDANCE_PROBATION_MAX_LEAVE_REQUESTS = env.int("ATTENDANCE_PROBATION_MAX_LEAVE_REQUESTS", default=3)
ATTENDANCE_PROBATION_MAX_ABSENCES = env.int("ATTENDANCE_PROBATION_MAX_ABSENCES", default=2)
ATTENDANCE_PROBATION_REMIND_DAYS = env.int("ATTENDANCE_PROBATION_REMIND_DAYS", default=14)
# ZKTeco time clocks over their own protocol (pyzk; R-CN-3): only devices configured as "zkteco" are reached
ZKTECO_PULL_MINUTES = env.int("ZKTECO_PULL_MINUTES", default=5)
ZKTECO_TIMEOUT_SECONDS = env.int("ZKTECO_TIMEOUT_SECONDS", default=10)
ZKTECO_ALERT_AFTER_FAILURES = env.int("ZKTECO_ALERT_AFTER_FAILURES", default=3)
ZKTECO_ENCODING = env.str("ZKTECO_ENCODING", default="UTF-8")
ZKTECO_SEND_NAMES = env.bool("ZKTECO_SEND_NAMES", default=True)
ONBOARDING_REMIND_DAYS_BEFORE = env.int("ONBOARDING_REMIND_DAYS_BEFORE", default=2)
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=900)
DASHBOARD_WARM_VIEWERS = env.int("DASHBOARD_WARM_VIEWERS", default=20)

# Staff passwords (R-SEC-9, MLPS level 3): at least PASSWORD_MIN_LENGTH characters, three of the four kinds
# (upper case, lower case, digits, symbols), none of the last PASSWORD_HISTORY passwords (hrsys/accounts/passwords.py).
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
PASSWORD_HISTORY = env.int("PASSWORD_HISTORY", default=5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hrsys.accounts.passwords.ComplexityValidator"},
    {"NAME": "hrsys.accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"history": PASSWORD_HISTORY}},
]

# Staff sign-in with a second factor (R-SEC-9, hrsys/accounts/twofactor.py): these roles must enrol a TOTP
# authenticator before reaching any staff page; everyone else may (Security page). Staff sessions idle for
# STAFF_IDLE_TIMEOUT_MINUTES end (0: never); the cookie's lifetime stays SESSION_COOKIE_AGE.
STAFF_2FA_REQUIRED_ROLES = tuple(role for role in env.list(
    "STAFF_2FA_REQUIRED_ROLES", default=["sysadmin", "hr_director", "hr_staff"]) if role)
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="hrsys")
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes: wait 1, 2, 4, 8 ... seconds before the next try (per device)
OTP_STATIC_THROTTLE_FACTOR = 1

# Audit and access logs are kept at least six months (the Cybersecurity Law's minimum, R-SEC-9): a purge
# (manage.py audit_purge) refuses rows younger than AUDIT_RETENTION_DAYS, which cannot be set below 180.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=AUDIT_RETENTION_MIN_DAYS)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS must be at least {AUDIT_RETENTION_MIN_DAYS} (six months)")
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Language and time: store UTC, show Asia/Shanghai.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files are encrypted and streamed by views
# Stored files (résumés, recordings, letters) are encrypted in this process, then kept on local disk
# (MEDIA_ROOT, the default) or, for web and worker processes on different machines, in an S3-compatible
# bucket: MinIO, Aliyun OSS, AWS S3 (R-INT-5). Every encrypted FileField uses STORAGES["encrypted_files"]
# (hrsys/crypto/storage.py); the bucket is never linked to, downloads go through the access-logged views.
FILE_STORAGE = env.str("FILE_STORAGE", default="local").strip().lower()
if FILE_STORAGE == "local":
    _encrypted_files = {"BACKEND": "hrsys.crypto.storage.EncryptedFileSystemStorage"}
elif FILE_STORAGE == "s3":
    _encrypted_files = {
        "BACKEND": "hrsys.crypto.s3_storage.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": _required("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,  # empty: AWS itself
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,  # empty: boto3's own lookup
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "location": env.str("S3_PREFIX", default=""),  # a folder inside the bucket, if it is shared
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="") or None,  # path (MinIO) / virtual (OSS)
        },
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE must be 'local' or 's3', got {FILE_STORAGE!r}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "encrypted_files": _encrypted_files,
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "hrsys.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "hrsys.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hrsys.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "2000/min", "public": PUBLIC_API_RATE},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is ours (csv / xlsx exports), not DRF's renderer switch
}
SPECTACULAR_SETTINGS = {
    "TITLE": "hrsys API",
    "DESCRIPTION": "Recruiting and HR: pipeline, interviews, notifications, offers, onboarding, attendance.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.0.3",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a "state" / "status" / "channel"; name each choice set after its owner.
    "ENUM_NAME_OVERRIDES": {
        "PreferredLanguageEnum": "candidates.models.Language",  # a candidate's language, a bank question's
        "ApplicationStateEnum": "candidates.models.State",
        "EducationLevelEnum": "candidates.models.Education",
        "SourceChannelEnum": "candidates.models.SourceChannel",
        "JobStatusEnum": "candidates.models.JobRequisition.Status",
        "InterviewStateEnum": "interviews.models.State",
        "NotificationChannelEnum": "notifications.models.Channel",
        "NotificationStatusEnum": "notifications.models.Status",
        "OfferStateEnum": "onboarding.models.OfferState",
        "AttendanceAccountStateEnum": "attendance.models.AccountState",
        "LeaveStateEnum": "attendance.models.LeaveState",
        "DayStatusEnum": "attendance.models.DayStatus",
        "RecruitingCostKindEnum": "dashboard.models.CostRecord.Kind",
        "PushDeliveryStatusEnum": "attendance.models.DeliveryStatus",
        "OnboardingCaseStateEnum": "onboarding.models.CaseState",
        "EmployeeStateEnum": "employees.models.EmployeeState",
        "AttritionReasonEnum": "employees.models.AttritionReason",
        "DepartmentKindEnum": "hrsys.accounts.models.Department.Kind",
        "DeviceKindEnum": "attendance.models.DeviceKind",
        "ShiftKindEnum": "attendance.models.ShiftKind",
    },
}

# Reverse proxies in front of the app that append to X-Forwarded-For; 0 = use REMOTE_ADDR and ignore the
# header (hrsys.core.middleware.client_ip, the one client address for audit, login throttling, portal limits).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Who looked at whom (R-SEC-7, hrsys/audit/alerts.py): a staff user who opens the records of more than this many
# different people within an hour gets the HR directors an in-app alert (at most one per user per hour); 0 = off.
ACCESS_ALERT_PEOPLE_PER_HOUR = env.int("ACCESS_ALERT_PEOPLE_PER_HOUR", default=50)

# Staff login throttling for the admin login and the token endpoint (R-SEC-1), on django-axes; see
# hrsys/accounts/throttle.py. Per account and client address: LOGIN_FAILURE_LIMIT failures -> that pair waits
# LOGIN_FAILURE_WINDOW_SECONDS. Per account from all addresses: LOGIN_ACCOUNT_FAILURE_LIMIT failures within
# LOGIN_ACCOUNT_WINDOW_SECONDS -> a short LOGIN_ACCOUNT_COOLOFF_SECONDS pause.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
LOGIN_ACCOUNT_WINDOW_SECONDS = env.int("LOGIN_ACCOUNT_WINDOW_SECONDS", default=3600)
LOGIN_ACCOUNT_COOLOFF_SECONDS = env.int("LOGIN_ACCOUNT_COOLOFF_SECONDS", default=300)
AXES_HANDLER = "hrsys.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "hrsys.accounts.throttle.failure_limit"
AXES_COOLOFF_TIME = "hrsys.accounts.throttle.cool_off"
AXES_CLIENT_IP_CALLABLE = "hrsys.core.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "hrsys.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A refused try while locked out neither extends the pause nor counts towards the per-account limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not kept in a second, unbounded table
AXES_VERBOSE = False  # no INFO lines for every successful login (the audit trail records sign-ins)
AXES_ENABLE_ADMIN = False  # unlock with `manage.py axes_reset_username NAME` (README)
AXES_VERBOSE = False  # no start-up banner in every manage.py command

# Production hardening: production differs only by these variables.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No phone number, e-mail address or ID number in a log line, and expected 4xx answers in one line
    # without a traceback (R-SEC-2, hrsys/core/masking.py); the Celery worker's handlers get the same.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["client_errors", "redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # replaces Django's own "django" handlers (console when DEBUG, mail_admins): they print unfiltered
        "django": {"level": env.str("LOG_LEVEL", default="INFO")},
        "django.db.backends": {"level": "WARNING"},  # SQL parameters carry personal data
        "twilio.http_client": {"level": "WARNING"},  # logs query strings (To=<phone>)
        "urllib3": {"level": "WARNING"},  # request lines with their query strings
        "django.template": {"level": "INFO"},  # DEBUG dumps whole template contexts
        # Request lines and "Not Found: /path" without the secret tokens of /l/, feed, candidate and portal
        # links (R-SEC-3); django.server keeps INFO so runserver still shows each request, once.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False,
                          "filters": ["mask_token_urls"]},
        "django.request": {"filters": ["mask_token_urls", "client_errors"]},
    },
    "filters": {"mask_token_urls": {"()": "hrsys.core.url_masking.TokenUrlFilter"},
                "client_errors": {"()": "hrsys.core.masking.ClientErrorFilter"},
                "redact": {"()": "hrsys.core.masking.RedactingFilter"}},
}

AUTHENTICATION_BACKENDS = [
    "hrsys.accounts.throttle.LoginThrottleBackend",  # first: refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
    "hrsys.accounts.permissions.RolePermissionBackend",
]
