"""Settings for IMG Portal: one module, every varying value from the environment.

The README's configuration table lists every variable read here.
"""

import hashlib
import json
import os
from email.utils import formataddr
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from imgportal.sso_config import social_providers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Refuse to start rather than sign sessions with a guessable key.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (50+ random "
            "characters), or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 — DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# --- The group's identity (imgportal/identity.py): what pages, emails and
# calendars call the group. One deployment, one group.
# A blank line in .env (GROUP_NAME=) means the default, not "Welcome to !".
GROUP_NAME = os.environ.get("GROUP_NAME", "").strip() or "IMG Portal"
GROUP_SHORT_NAME = os.environ.get("GROUP_SHORT_NAME", "")
GROUP_INSTITUTION = os.environ.get("GROUP_INSTITUTION", "")
GROUP_GME_OFFICE = (
    os.environ.get("GROUP_GME_OFFICE", "").strip()
    or "the Graduate Medical Education office"
)
GROUP_CONTACT_EMAIL = os.environ.get("GROUP_CONTACT_EMAIL", "")
GROUP_LOGO_URL = os.environ.get("GROUP_LOGO_URL", "")
GROUP_COLOUR = os.environ.get("GROUP_COLOUR", "#0d6efd")
_SITE_HOST = SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_countries",
    "django_filters",
    "csp",
    "imgportal",
    "members",
    "notifications",
    "newsletters",
    "events",
    "handbook",
    "tracker",
    "mentorship",
    "leadership",
    "contacts",
]

MIDDLEWARE = [
    # First, so every log line of a request (the HTTPS redirect's too) has its id.
    "imgportal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # request.htmx: views answer htmx's in-place updates with a fragment.
    "django_htmx.middleware.HtmxMiddleware",
    "members.middleware.RequireStaffMFAMiddleware",
    "members.sso.InstitutionSignInMiddleware",
    "imgportal.middleware.NoStoreForSignedInMiddleware",
    "imgportal.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "imgportal.urls"
WSGI_APPLICATION = "imgportal.wsgi.application"
ASGI_APPLICATION = "imgportal.asgi.application"

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
                "members.context_processors.navigation",
                "leadership.context_processors.navigation",
                "contacts.context_processors.navigation",
                "imgportal.context_processors.group",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres:///imgportal"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        # .iterator() (the filter forms' choice lists, a few exports) fetches over
        # an ordinary cursor: a server-side one costs DECLARE, FETCH and CLOSE
        # round trips, about 4 ms for each 50-row choice list (docs/PERFORMANCE.md).
        # The largest iteration is a newsletter's recipients (thousands of rows).
        disable_server_side_cursors=True,
    )
}
# The planner's cost of a random page read: 1.1, PostgreSQL's advice for SSD
# and networked storage (its default, 4, is for spinning disks). With 4 it
# read every member to join a search's few hundred matches (22 ms at 50,000
# members against 7.6 ms, docs/PERFORMANCE.md). Set per connection, so no
# server setting is needed; a server's own choice is overridden only here.
# Options given in DATABASE_URL (?options=...) are kept, after this one.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(
    filter(None, ["-c random_page_cost=1.1", _db_options.get("options", "")])
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# `make test` runs the tests in two processes (pytest-xdist): each has its own
# PostgreSQL database (pytest-django) and, here, its own Redis database below
# the configured one (tests empty theirs before each test): gw0 → 15, gw1 → 14.
_test_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _test_worker.startswith("gw") and _test_worker[2:].isdigit():
    _base, _, _number = REDIS_URL.rpartition("/")
    if _number.isdigit():
        REDIS_URL = f"{_base}/{int(_number) - int(_test_worker[2:])}"
        # Once: servers and workers a test starts get the URL they are given
        # (their own Redis, database 0), or this worker's if they inherit it.
        os.environ["REDIS_URL"] = REDIS_URL
        del os.environ["PYTEST_XDIST_WORKER"]
# Cached entries are made from this database's rows: two portals (or a
# portal and its benchmark copy) sharing one Redis must never read each
# other's, so the key prefix names the database.
_db = DATABASES["default"]
CACHE_KEY_PREFIX = (
    "imgportal:"
    + hashlib.sha256(
        f"{_db.get('HOST', '')}:{_db.get('PORT', '')}:{_db.get('NAME', '')}".encode()
    ).hexdigest()[:10]
)
CACHES = {
    "default": {
        # Django's Redis cache with a circuit breaker (imgportal/cache.py): a
        # Redis that hangs costs one timeout, then is skipped for 10 s.
        "BACKEND": "imgportal.cache.BreakerRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
            "breaker_seconds": 10,
        },
    }
}

AUTH_USER_MODEL = "members.User"
# Django's and allauth's backends, each giving role permissions only to active
# members (members/backends.py).
AUTHENTICATION_BACKENDS = [
    "members.backends.PortalModelBackend",
    "members.backends.PortalAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    # ASVS 2.1.1: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- django-allauth: email is the login, verified before first sign-in.
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
# Refuse password sign-in and resets when PASSWORD_SIGNIN is off.
ACCOUNT_FORMS = {
    "login": "members.account_forms.LoginForm",
    "reset_password": "members.account_forms.ResetPasswordForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The sign-up form must say when an address is taken (issue #2, "Bad input");
# the sign-up rate limit below bounds how fast anyone can probe addresses.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{GROUP_SHORT_NAME or GROUP_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Behind a reverse proxy, name the one header it sets with the client address
# (e.g. X-Real-IP). Never trust a raw X-Forwarded-For: clients can rotate it.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
ALLAUTH_TRUSTED_PROXY_COUNT = 0
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = GROUP_SHORT_NAME or GROUP_NAME
# Accept the previous and next 30-second code too (RFC 6238 §5.2 suggests one step
# of clock drift): a code typed as the period turns over is not refused.
MFA_TOTP_TOLERANCE = 1
# Co-leads and GME staff (whoever may read visa status) must set up TOTP before
# they reach member data. `make run` turns this off for the demo accounts.
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", True)
# How many co-leads the group has when every seat is filled (the notice sent when
# a term ends counts against it).
CO_LEAD_SEATS = int(os.environ.get("CO_LEAD_SEATS", "2"))
USERSESSIONS_TRACK_ACTIVITY = False

# --- Institution sign-in (imgportal/sso_config.py, members/sso.py): one OpenID
# Connect issuer (Entra ID, Okta, Google Workspace) and/or one SAML 2.0 IdP
# (Shibboleth). Secrets come from here only, never the database.
SOCIALACCOUNT_PROVIDERS = social_providers(
    oidc={
        "name": os.environ.get("OIDC_NAME", ""),
        "issuer": os.environ.get("OIDC_ISSUER", ""),
        "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
        "client_secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
    },
    saml={
        "name": os.environ.get("SAML_NAME", ""),
        "idp_metadata_url": os.environ.get("SAML_IDP_METADATA_URL", ""),
        "idp_entity_id": os.environ.get("SAML_IDP_ENTITY_ID", ""),
        "idp_sso_url": os.environ.get("SAML_IDP_SSO_URL", ""),
        "idp_cert": os.environ.get("SAML_IDP_CERT", ""),
        "sp_entity_id": os.environ.get("SAML_SP_ENTITY_ID", ""),
    },
)
SOCIALACCOUNT_ADAPTER = "members.sso.SocialAccountAdapter"
# Sign in, first time or not, straight from the IdP's answer: no extra form.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
# An existing member whose email the IdP vouches for (members/sso.py decides
# which emails count as verified) is linked to that account, never duplicated.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = True
# Email domains the institution owns: an address on one of them, as the IdP
# gives it, counts as verified (links to an existing member of that address).
SSO_EMAIL_DOMAINS = [d.lower().lstrip("@") for d in env_list("SSO_EMAIL_DOMAINS")]
# A first sign-in with an address on one of these becomes an approved resident
# at once; any other first sign-in waits for the co-leads like a sign-up.
SSO_APPROVE_DOMAINS = [d.lower().lstrip("@") for d in env_list("SSO_APPROVE_DOMAINS")]
# The IdP's word that the person used a second factor stands in for the
# portal's own two-factor step for co-leads and GME staff: these OIDC `amr`
# values (RFC 8176) or `acr` values, and these SAML AuthnContextClassRefs.
# Empty lists: the portal always asks for its own second factor.
SSO_MFA_AMR = env_list("SSO_MFA_AMR", "mfa")
SSO_MFA_ACR = env_list("SSO_MFA_ACR")
SSO_MFA_SAML_CONTEXTS = env_list(
    "SSO_MFA_SAML_CONTEXTS", "https://refeds.org/profile/mfa"
)
# Off: no password sign-in, sign-up or reset; only the institution's sign-in.
PASSWORD_SIGNIN = env_bool("PASSWORD_SIGNIN", True)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email. Console backend while DEBUG, SMTP otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# Unset or empty (a blank line in .env): the group's name at the site's domain.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or formataddr(
    (GROUP_NAME, f"no-reply@{_SITE_HOST}")
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The envelope sender (SMTP MAIL FROM, which becomes Return-Path) of the outbox
# and newsletters: where receiving servers send later bounces (RFC 5321 §4.5.5).
# Empty: DEFAULT_FROM_EMAIL's address. The From header stays DEFAULT_FROM_EMAIL.
BOUNCE_ADDRESS = os.environ.get("BOUNCE_ADDRESS", "")
# The mailbox that address delivers to, read every 10 minutes for delivery status
# notifications (notifications/mailbox.py): imaps://user:password@host:993/INBOX,
# pop3s://user:password@host:995, or imap:// and pop3:// without TLS (tests).
BOUNCE_MAILBOX_URL = os.environ.get("BOUNCE_MAILBOX_URL", "")

# A member's bio is capped at 2,000 characters by the form; a pasted 10 MB bio must
# reach the form to get a field error rather than a bare 400 from Django.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
# The portal's own wording of allauth's pages ("Sign in", sentence case): issue 22.
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["imgportal.formats"]
# Money on pages and in emails: "$1,234.50" (`{{ amount|money }}`).
CURRENCY_SYMBOL = "$"
USE_TZ = True

# --- Static files: Bootstrap is vendored under static/vendor and served by
# whitenoise with hashed, compressed names (no CDN: pages must work offline).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (the handbook's images and PDFs): on disk under MEDIA_ROOT, or
# in S3-compatible storage with MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
# and its options as JSON in MEDIA_STORAGE_OPTIONS (README "Uploaded files").
# Never served by WhiteNoise or the web server: only handbook:attachment, which
# checks that the reader may read the page.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
MEDIA_STORAGE_BACKEND = os.environ.get(
    "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
try:
    MEDIA_STORAGE_OPTIONS = json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS") or "{}")
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"MEDIA_STORAGE_OPTIONS is not JSON: {exc}") from None
if not isinstance(MEDIA_STORAGE_OPTIONS, dict):
    raise ImproperlyConfigured("MEDIA_STORAGE_OPTIONS must be a JSON object: {...}")
HANDBOOK_IMAGE_MAX_BYTES = 5 * 1024 * 1024
HANDBOOK_PDF_MAX_BYTES = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (OWASP ASVS level 2: the portal holds immigration status).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/deep$", r"^ping$"]
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    # e.g. "X-Forwarded-Proto", set only when a proxy you run terminates TLS.
    _header = os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_header}", "https")
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# `__Host-` cookies (RFC 6265bis) must be Secure with Path=/ and no Domain, so
# no sibling subdomain can set or overwrite them. Plain names over local http.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions stay in PostgreSQL only (a primary-key read a page): with Redis in
# front (cached_db), a session ended while Redis is unreachable would come back
# with Redis (docs/PERFORMANCE.md).
SESSION_COOKIE_AGE = 60 * 60 * 12  # a working day: re-authenticate after
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's icons and allauth's TOTP QR code are data: images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Celery: Redis broker; see imgportal/celery.py for the reliability rules.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_EAGER_PROPAGATES = True  # tests run tasks inline (tests/conftest.py)
# A newsletter batch of 250 takes about a second; a claim older than this belongs
# to a dead worker and its rows are sent again (newsletters/services.py).
NEWSLETTER_STALE_CLAIM_SECONDS = int(
    os.environ.get("NEWSLETTER_STALE_CLAIM_SECONDS", "300")
)
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# --- Backups (`manage.py backup` / `restore`): where dumps go, and the Fernet key
# that encrypts them when set (`manage.py backup --generate-key` makes one).
BACKUP_DIR = os.environ.get("BACKUP_DIR", str(BASE_DIR / "var" / "backups"))
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "")

# --- Logs, errors and health (issue #18; imgportal/logs.py, sentry.py, health.py).
# One JSON object a line in production (what log collectors parse), a plain line
# under DEBUG. Each carries its request's or Celery task's id; no query strings,
# tokens or email addresses.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "imgportal.logs.LogContextFilter"}},
    "formatters": {
        "json": {"()": "imgportal.logs.JsonFormatter"},
        "plain": {"()": "imgportal.logs.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One handler for Django's own messages too (its default adds a second).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # Its DEBUG lines print a template's whole context (members, forms, tokens).
        "django.template": {"level": "INFO"},
    },
}

# Errors go to Sentry, or a service that speaks its protocol (GlitchTip), only
# when a DSN is set; bodies, cookies, headers and personal data are scrubbed.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from imgportal.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# /healthz/deep and the System page turn red past these. Beat ticks and each
# worker writes a heartbeat every HEALTH_HEARTBEAT_SECONDS.
HEALTH_HEARTBEAT_SECONDS = float(os.environ.get("HEALTH_HEARTBEAT_SECONDS", "15"))
CELERY_BEAT_MAX_LOOP_INTERVAL = HEALTH_HEARTBEAT_SECONDS
HEALTH_BEAT_MAX_AGE = float(os.environ.get("HEALTH_BEAT_MAX_AGE", "180"))
HEALTH_WORKER_MAX_AGE = float(os.environ.get("HEALTH_WORKER_MAX_AGE", "180"))
# The republisher hands a stuck email over after 2 minutes, and SMTP retries back
# off up to 10 minutes each: 15 minutes waiting means mail is not going out.
HEALTH_QUEUE_MAX_AGE = float(os.environ.get("HEALTH_QUEUE_MAX_AGE", "900"))
HEALTH_FAILED_MAX = int(os.environ.get("HEALTH_FAILED_MAX", "20"))
# Set: /healthz/deep answers only with "Authorization: Bearer <token>" (or
# ?token=, for monitors that take only a URL). Unset: it is open (ages, counts).
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")
