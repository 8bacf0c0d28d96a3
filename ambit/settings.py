"""Ambit settings: one file, every deployment choice read from the environment.

Every variable is documented in README.md ("Configuration"). The defaults give a working
development install on SQLite in ``var/``; production sets DEBUG=0 and the rest.
"""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from csp.constants import NONE, SELF

# ModelChoiceField[Membership], ModelAdmin[Objective]...: the generics the type stubs declare,
# made subscriptable at runtime too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("AMBIT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Empty means "unset": absolute links (invitations) are then built from the request they answer
# (ambit.core.web.site_url), so the app works at whatever address it is served on.
SITE_URL: str = env.str("SITE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ambit.core",
    "ambit.accounts",
    "ambit.strategy",
    "ambit.okrs",
    "ambit.dashboards",
    "ambit.front",
    "ambit.api",
    "ambit.sheets",
    "ambit.notify",
    "ambit.calendars",
    "ambit.hooks",
    "ambit.chat",
    "ambit.planning",
    "ambit.quality",
    "ambit.library",
    "ambit.people",
    "ambit.kpis",
    "ambit.discussion",
    "ambit.initiatives",
    "ambit.rituals",
    "ambit.oneonones",
    "ambit.teammeetings",
    "ambit.reviews",
    "ambit.trash",
    "ambit.retros",
    "ambit.rollover",
    "ambit.present",
    "ambit.reports",
    "ambit.closeout",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ambit.core.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ambit.accounts.middleware.CurrentMembershipMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ambit.urls"
# The planning grid posts about 19 fields a row; without JavaScript a few hundred rows need more
# than Django's 1,000 (the request body stays bounded by DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WSGI_APPLICATION = "ambit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ambit" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ambit.core.context_processors.membership",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in var/ by default (WAL, foreign keys on); DATABASE_URL=postgres://... for PostgreSQL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'ambit.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://ambit")}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes refuses logins from a locked-out username+IP before the model backend is asked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling -------------------------------------------------------------------------
# Failed logins on /accounts/login/ and /admin/login/ (django-axes, stored in the database): after
# LOGIN_FAILURE_LIMIT failures for one email from one IP, that pair is refused (HTTP 429 and a
# page saying when to retry) for LOGIN_COOLOFF_MINUTES; a success resets the count. Locking the
# username+IP pair, not the account, keeps an attacker from locking a person out everywhere.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login forms' field, which holds the email
AXES_USERNAME_CALLABLE = "ambit.accounts.throttle.login_username"
AXES_LOCKOUT_CALLABLE = "ambit.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ambit.core.throttle.client_ip"  # REMOTE_ADDR, or the trusted proxy's X-Forwarded-For
AXES_DISABLE_ACCESS_LOG = True  # failures are what we need; no row per successful login
# Password-reset requests per hour, counted in the cache per address and per IP (whether or not the
# address has an account); past either, no email is sent and the page asks to wait.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=5)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
# Invalid API bearer tokens per IP: past API_TOKEN_FAILURE_LIMIT within API_TOKEN_FAILURE_MINUTES,
# every bearer token from that IP gets 429 with Retry-After until the window ends.
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_MINUTES = env.int("API_TOKEN_FAILURE_MINUTES", default=10)

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL=smtp://user:pass@host:587/?tls=True; console backend by default.
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ambit <ambit@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "ambit" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Background tasks -------------------------------------------------------------------------
# "immediate" runs tasks in-process (tests, small installs); "database" queues them for
# `manage.py run_worker` (production).
_task_backend = env.str("TASKS_BACKEND", default="immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
            "dummy": "django_tasks.backends.dummy.DummyBackend",
        }[_task_backend]
    }
}
# `manage.py run_worker` (db_worker plus recovery, ambit/core/tasks.py) puts a task back in the
# queue when its worker has held it RUNNING longer than the lease (the worker died), and retries a
# task that failed on a transient database error; a task is given up after TASK_MAX_ATTEMPTS runs.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=300)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=10)

# --- Notifications (ambit/notify) ----------------------------------------------------------------
# A delivery is tried NOTIFY_MAX_ATTEMPTS times (exponential back-off) before it is marked failed;
# one left "sending" longer than NOTIFY_LEASE_SECONDS (its worker died) is retried by the
# scheduler's next tick. The check-in links in reminders work for NOTIFY_LINK_DAYS days.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=300)
NOTIFY_LINK_DAYS = env.int("NOTIFY_LINK_DAYS", default=7)

# --- Security (production) --------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For; the
# throttles count guesses per client address (ambit.core.throttle.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", False) else 0)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Content-Security-Policy ------------------------------------------------------------------
# A strict policy on every response (django-csp): scripts, styles, fonts and fetches only from our
# own origin, no inline script or style and no eval anywhere, no plugins, no <base>, no framing,
# forms post only to us. Templates carry no inline code: behaviour lives in static files wired
# with data- attributes. CSP_REPORT_ONLY=1 sends the same policy as
# Content-Security-Policy-Report-Only instead, for operators rolling it out behind other proxies
# or customisations: browsers then report violations in the console without blocking anything.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if CSP_REPORT_ONLY else None

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; its warnings (failed attempts, lock-outs) are what matter.
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# --- Ambit ------------------------------------------------------------------------------------
AMBIT_DEMO_PASSWORD = env.str("AMBIT_DEMO_PASSWORD", default="ambit-demo")
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)

# --- Outgoing webhooks (ambit/hooks) ----------------------------------------------------------
# Endpoints must be https; WEBHOOKS_ALLOW_HTTP (or DEBUG) also accepts http to localhost/127.0.0.1.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Tries of one event before it is marked failed (back-off 1 min, 5 min, 30 min, 2 h, 5 h, then 10 h).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# An endpoint is disabled once this many tries in a row failed over at least this many hours.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=15)
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24.0)
# A delivery left "sending" this long (its worker died) is tried again.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=300)

# --- Slack and Microsoft Teams (ambit/chat) -----------------------------------------------------
# Webhook URLs must be https; CHAT_ALLOW_HTTP also accepts http to localhost/127.0.0.1 (tests).
CHAT_ALLOW_HTTP = env.bool("CHAT_ALLOW_HTTP", default=False)
CHAT_TIMEOUT_SECONDS = env.float("CHAT_TIMEOUT_SECONDS", default=10.0)
# Tries of one post before it is marked failed (back-off 1 min, 4 min, 16 min, … at most 6 h).
CHAT_MAX_ATTEMPTS = env.int("CHAT_MAX_ATTEMPTS", default=6)
# A channel is disabled once this many tries in a row failed.
CHAT_DISABLE_AFTER_FAILURES = env.int("CHAT_DISABLE_AFTER_FAILURES", default=10)
# A post left "sending" this long (its worker died) is tried again.
CHAT_LEASE_SECONDS = env.int("CHAT_LEASE_SECONDS", default=300)
