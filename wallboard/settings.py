"""Django settings, all from the environment with safe defaults (docs/configuration.md).

Unset ``REDIS_URL`` means the embedded, real Redis server in ``WALLBOARD_DATA_DIR``; unset
``DATABASE_URL`` means SQLite in the same directory. Settings only compute values: importing
them starts nothing and writes nothing. The embedded Redis is started by the processes that use
it (``wallboard.core.services.ensure_redis``); the data directories are made when Django
starts (``wallboard.core.apps.CoreConfig.ready``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from realtime.phones import TYPES as PHONE_TYPES
from realtime.redis_server import embedded_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset or blank means the default."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if not raw:
        return default
    return raw.lower() in ("1", "true", "yes", "on")


def env_float(name: str, default: float) -> float:
    raw = env(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list, lower-cased; ``none`` is the empty list."""
    items = [item.strip().lower() for item in env(name, default).split(",") if item.strip()]
    return [] if items == ["none"] else items


DEBUG = env_bool("DEBUG", False)
# The development key signs the sessions of the demo and the tests only: without SECRET_KEY,
# it is used in DEBUG or when WALLBOARD_DEV_SECRET_KEY=1 asks for it (`make demo`, `make test`
# and tests/settings.py do); any other start without SECRET_KEY is refused, and so is a
# SECRET_KEY that is the development key.
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
_NEW_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
SECRET_KEY = env("SECRET_KEY")
if SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key, which is public. Set SECRET_KEY to a long random"
        f" value of your own, for example the output of: {_NEW_KEY}"
    )
if not SECRET_KEY:
    if not (DEBUG or env_bool("WALLBOARD_DEV_SECRET_KEY", False)):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, kept secret and the same for"
            f" every process of the site, for example the output of: {_NEW_KEY}"
            " (only for the demo or the tests: WALLBOARD_DEV_SECRET_KEY=1 uses a development"
            " key instead)"
        )
    SECRET_KEY = DEV_SECRET_KEY
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")]

DATA_DIR = Path(env("WALLBOARD_DATA_DIR") or BASE_DIR / "var")

INSTALLED_APPS = [
    "daphne",
    # the kernel, before django.contrib.auth: its createsuperuser (password validation) is the
    # one found
    "wallboard.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    # the apps, each above those it imports (docs/architecture.md; tests/test_layout.py)
    "wallboard.agents",
    "wallboard.contacts",
    "wallboard.reports",
    "wallboard.teams",
    "wallboard.board",
    "wallboard.callbacks",
    "wallboard.worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wallboard.core.security.ContentSecurityPolicyMiddleware",  # WALLBOARD_CSP, below
    "wallboard.core.security.NulMiddleware",  # no NUL in a path, a query or a form field
    # /metrics to Prometheus, which asks each web process by its address, not a host name
    "wallboard.core.metrics.MetricsMiddleware",
    "wallboard.core.static.StaticFilesMiddleware",  # WhiteNoise, async capable
    # Django's, but a session renewal the database could not take does not fail the page
    "wallboard.core.errors.SessionMiddleware",
    # the language a person reads (their pick, else the browser's, else LANGUAGE_CODE)
    "wallboard.core.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # a view that found the database unreachable says so in words (503)
    "wallboard.core.errors.DatabaseDownMiddleware",
]

ROOT_URLCONF = "wallboard.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "wallboard.wsgi.application"
ASGI_APPLICATION = "wallboard.asgi.application"

if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "wallboard.sqlite3"),
        }
    }
_db = DATABASES["default"]
if "postgresql" in _db["ENGINE"]:  # a database out of reach fails fast (the worker goes on)
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif "sqlite3" in _db["ENGINE"]:  # writers (the CDR endpoint, backfill_cdr) wait their turn
    _db.setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every password check goes through the sign-in limits (wallboard/core/signin.py).
AUTHENTICATION_BACKENDS = ["wallboard.core.signin.GuardedBackend"]
# Password checks at a time per web process (each about 0.2 s of one core); ten times as many
# wait, and a sign-in beyond those is answered at once (429): boards stay responsive during a
# shift change (bench/bench_signin.py).
WALLBOARD_SIGNIN_CONCURRENCY = int(env_float("WALLBOARD_SIGNIN_CONCURRENCY", 2))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The languages of the pages (wallboard/core/language.py: a person's pick, a display link's, the
# browser's, else LANGUAGE_CODE); Hebrew reads right to left. The catalogs: locale/<code>/.
LANGUAGES = [("en", "English"), ("he", "עברית")]
LANGUAGE_CODE = env("LANGUAGE_CODE", "en").lower()
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}"
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Jerusalem")
try:
    ZoneInfo(TIME_ZONE)
except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"

# --- Redis -----------------------------------------------------------------------------------
# The embedded server's directory when REDIS_URL is unset (None: an external Redis).
REDIS_EMBEDDED_DIR = None if env("REDIS_URL") else DATA_DIR / "redis"
REDIS_URL = env("REDIS_URL") or embedded_redis_url(DATA_DIR / "redis")
WALLBOARD_REDIS_PREFIX = env("WALLBOARD_REDIS_PREFIX", "wallboard:")

# No Channels layer: the worker publishes each change once on a Redis channel and each web
# process fans it out to its boards itself (wallboard/board/fanout.py), so a screen costs no
# channel of its own.

# --- Voicenter -------------------------------------------------------------------------------
# Secrets: read here, used only by server-side code; never rendered into a page or a frame.
VOICENTER_LOGIN_TYPE = env("VOICENTER_LOGIN_TYPE", "token").lower()
if VOICENTER_LOGIN_TYPE not in ("token", "account", "user"):
    raise ImproperlyConfigured(
        f"VOICENTER_LOGIN_TYPE must be token, account or user, not {VOICENTER_LOGIN_TYPE!r}"
    )
VOICENTER_TOKEN = env("VOICENTER_TOKEN")
VOICENTER_USERNAME = env("VOICENTER_USERNAME")
VOICENTER_PASSWORD = env("VOICENTER_PASSWORD")
VOICENTER_EMAIL = env("VOICENTER_EMAIL")
VOICENTER_PIN = env("VOICENTER_PIN")
# The organisation code of the REST APIs (status changes, the extension list).
VOICENTER_API_CODE = env("VOICENTER_API_CODE")
# Seconds a status change waits for Voicenter's answer before telling the person it timed out.
VOICENTER_API_TIMEOUT_S = env_float("VOICENTER_API_TIMEOUT_S", 8)
VOICENTER_LOGIN_URL = env(
    "VOICENTER_LOGIN_URL", "https://loginapi.voicenter.co.il/monitorAPI/Login"
)
VOICENTER_REFRESH_URL = env(
    "VOICENTER_REFRESH_URL", "https://loginapi.voicenter.co.il/monitorAPI/RefreshIdentityToken"
)
VOICENTER_API_URL = env("VOICENTER_API_URL", "https://api.voicenter.com")
VOICENTER_COMET_URL = env("VOICENTER_COMET_URL", "https://monitor.voicenter.co.il/Comet/api")
VOICENTER_CALL_LOG_URL = env("VOICENTER_CALL_LOG_URL", "https://api1.voicenter.co.il/hub/cdr/")
# Timings of the realtime connection (defaults: what Voicenter's SDKs do).
VOICENTER_KEEPALIVE_S = env_float("VOICENTER_KEEPALIVE_S", 60)
VOICENTER_DEAD_AFTER_S = env_float("VOICENTER_DEAD_AFTER_S", 120)
VOICENTER_RECONNECT_MIN_S = env_float("VOICENTER_RECONNECT_MIN_S", 5)
VOICENTER_RECONNECT_MAX_S = env_float("VOICENTER_RECONNECT_MAX_S", 120)

# --- Boards -----------------------------------------------------------------------------------
# Seconds between websocket heartbeats (the frame: realtime/messages.py). Each web process looks
# at Redis and the worker's health every second and tells its boards at once when either fails,
# so the period only bounds how late a board notices a lost delta (it resyncs).
WALLBOARD_HEARTBEAT_S = env_float("WALLBOARD_HEARTBEAT_S", 5)
#: Seconds between two passes of the worker keeping the reports ready (wallboard/reports/keeper.py).
WALLBOARD_REPORTS_KEEP_S = env_float("WALLBOARD_REPORTS_KEEP_S", 60)
# The hour (0-23, in TIME_ZONE) at which the business day, and so today's numbers, begins: a
# 24/7 center may start its day at 06:00 (realtime/metrics.py).
WALLBOARD_DAY_START_HOUR = int(env_float("WALLBOARD_DAY_START_HOUR", 0))
if not 0 <= WALLBOARD_DAY_START_HOUR <= 23:
    raise ImproperlyConfigured("WALLBOARD_DAY_START_HOUR must be an hour, 0 to 23")
# A screen that has not acknowledged its frames for this long is behind: it gets a fresh
# snapshot once it has read what it has, instead of a backlog; after the second, it has stopped
# reading and its socket is closed (wallboard/board/fanout.py).
WALLBOARD_SCREEN_BEHIND_S = env_float("WALLBOARD_SCREEN_BEHIND_S", 10)
WALLBOARD_SCREEN_DEAD_S = env_float("WALLBOARD_SCREEN_DEAD_S", 30)
# Seconds a board waits for Voicenter's userStatusUpdate after a status change was accepted
# before it says the change did not show (Voicenter's event usually follows within a second).
WALLBOARD_STATUS_CONFIRM_S = env_float("WALLBOARD_STATUS_CONFIRM_S", 10)
# --- Contacts and Click2Call -------------------------------------------------------------------
# Numbers written without a country code are read in this region (ISO 3166 code).
CONTACTS_DEFAULT_REGION = env("CONTACTS_DEFAULT_REGION", "IL").upper()
# What Click2Call may dial (toll fraud: a call the account pays for by the minute; see
# wallboard/contacts/dialling.py): the countries where any number but a refused type may be
# called (ISO codes; 001: numbers of no country, satellites and international networks), the
# types other countries' numbers may be, and the types refused everywhere.
CONTACTS_DIAL_COUNTRIES = [
    c.upper() for c in env_list("CONTACTS_DIAL_COUNTRIES", CONTACTS_DEFAULT_REGION)
]
CONTACTS_DIAL_ABROAD = env_list("CONTACTS_DIAL_ABROAD", "mobile,fixed,fixed_or_mobile")
CONTACTS_DIAL_REFUSED = env_list("CONTACTS_DIAL_REFUSED", "premium_rate")
for _name, _types in (("CONTACTS_DIAL_ABROAD", CONTACTS_DIAL_ABROAD),
                      ("CONTACTS_DIAL_REFUSED", CONTACTS_DIAL_REFUSED)):  # fmt: skip
    if _unknown := sorted(set(_types) - set(PHONE_TYPES)):
        raise ImproperlyConfigured(
            f"{_name}: unknown number types {', '.join(_unknown)}"
            f" (known: {', '.join(PHONE_TYPES)}, or none)"
        )
# Click2Call options: record the calls; the caller id the contact sees (empty: the account's).
VOICENTER_C2C_RECORD = env_bool("VOICENTER_C2C_RECORD", False)
VOICENTER_C2C_CALLER_ID = env("VOICENTER_C2C_CALLER_ID")
# The secret in the URL Voicenter's Pop-up screen service asks for callers
# (/contacts/popup/<secret>/?phone=...); empty: that endpoint is off.
CONTACTS_POPUP_SECRET = env("CONTACTS_POPUP_SECRET")
# The secret in the URL Voicenter's CDR notification system posts each call's record to
# (/reports/cdr/<secret>/); empty: that endpoint is off.
WALLBOARD_CDR_SECRET = env("WALLBOARD_CDR_SECRET")
# The largest CSV file the contacts page imports (bytes; deploy/nginx.conf lets as much through),
# and the largest request body the site reads at all (the file, its form and multipart's
# framing): a bigger one is refused before it is read (wallboard/core/security.py BodyLimit).
WALLBOARD_MAX_UPLOAD = 2 * 1024 * 1024
WALLBOARD_MAX_BODY = WALLBOARD_MAX_UPLOAD + 64 * 1024
# Seconds between two calls one person may start (a double click must not dial twice).
CONTACTS_CALL_EVERY_S = env_float("CONTACTS_CALL_EVERY_S", 5)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "board"
LOGOUT_REDIRECT_URL = "login"
# A wallboard TV must not be logged out after two weeks on the wall (README, TV mode): sessions
# last SESSION_DAYS (default 365) and every page load renews them.
SESSION_COOKIE_AGE = int(env_float("SESSION_DAYS", 365) * 86_400)
SESSION_SAVE_EVERY_REQUEST = True
# Behind a TLS-terminating proxy: the https:// origins it serves, comma-separated.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

# --- Metrics (/metrics, wallboard/core/metrics.py) -------------------------------------------
# Who may read them: a client address (REMOTE_ADDR, as the web server took it from the proxy:
# docs/deployment.md) in one of these networks, comma-separated (none: no address), or a request
# with "Authorization: Bearer <METRICS_TOKEN>" (empty: no token is taken).
METRICS_ALLOWED_CIDRS = env_list(
    "METRICS_ALLOWED_CIDRS",
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
)
for _cidr in METRICS_ALLOWED_CIDRS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_CIDRS: {_cidr!r} is not a network") from _exc
METRICS_TOKEN = env("METRICS_TOKEN")

# --- HTTPS and the browser's protections -----------------------------------------------------
# WALLBOARD_HTTPS=1: the site is served over https only, by a TLS proxy in front that sets
# X-Forwarded-Proto (and overwrites one a client sent): secure cookies, http redirected to https,
# HSTS for a year (subdomains and preload included), the proxy's header trusted.
WALLBOARD_HTTPS = env_bool("WALLBOARD_HTTPS", False)
SESSION_COOKIE_SECURE = WALLBOARD_HTTPS
CSRF_COOKIE_SECURE = WALLBOARD_HTTPS
SECURE_SSL_REDIRECT = WALLBOARD_HTTPS
# The probes and Prometheus ask over plain http inside the network (paths without their
# leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 365 * 86_400 if WALLBOARD_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = WALLBOARD_HTTPS
SECURE_HSTS_PRELOAD = WALLBOARD_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if WALLBOARD_HTTPS else None
# The Content-Security-Policy of every HTML page (wallboard/core/security.py): the pages load
# only their own scripts and stylesheets (no inline script, style attribute or event handler);
# 'self' covers the board's own websocket (ws:// or wss:// to the same host and port).
WALLBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
    " frame-ancestors 'none'"
)

# --- E-mail (password reset) -----------------------------------------------------------------
# Unset EMAIL_HOST: no e-mail, and no password reset pages (wallboard/core/urls.py); a superuser
# sets forgotten passwords in the admin (or: manage.py changepassword USER).
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env_float("EMAIL_PORT", 587))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "wallboard@localhost")

# Serve static files from the app directories without a collectstatic step (demo, tests);
# production images run collectstatic and WhiteNoise serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # the pop-up endpoint's secret path and caller numbers stay out of the logs
    "filters": {"redact": {"()": "wallboard.core.logs.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # the socket libraries narrate every packet at INFO
        **{name: {"level": "WARNING"} for name in ("engineio", "socketio", "aiohttp.access")},
        # the web servers' own access loggers (their own handlers): the same filter
        # (uvicorn.error: uvicorn logs each websocket it accepts there, with its query)
        **{
            name: {"filters": ["redact"]}
            for name in ("uvicorn.access", "uvicorn.error", "django.request", "daphne.server")
        },
    },
}
