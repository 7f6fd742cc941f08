"""
Settings for the community feed.

Everything that differs between a laptop and production comes from the
environment, or from a `.env` file beside manage.py (the environment wins).
Variables are read only through config/env.py and named by whose setting
they are: DJANGO_* for Django's own, COMMUNITY_* for the product's, plus
DATABASE_URL and CACHE_URL, the names hosting tools already use.
.env.example lists every variable read here with its default and meaning;
community/tests/test_settings.py keeps the two in step.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.env import env_bool, env_float, env_int, env_list, env_str, refuse_renamed

BASE_DIR = Path(__file__).resolve().parent.parent

load_dotenv(BASE_DIR / ".env")

# Old names stop the site with a message instead of being ignored: a
# forgotten DJANGO_TRUSTED_PROXY_COUNT would otherwise count every log-in
# failure against the load balancer's address.
refuse_renamed(
    {
        "DJANGO_TRUSTED_PROXY_COUNT": "COMMUNITY_TRUSTED_PROXY_COUNT",
        "AXES_FAILURE_LIMIT": "COMMUNITY_LOGIN_FAILURE_LIMIT",
        "AXES_COOLOFF_MINUTES": "COMMUNITY_LOGIN_COOLOFF_MINUTES",
        "DATABASE_CONN_MAX_AGE": "DJANGO_CONN_MAX_AGE",
        "DATABASE_STATEMENT_TIMEOUT_MS": "DJANGO_STATEMENT_TIMEOUT_MS",
    }
)

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the site refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY in the environment or in .env "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

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
    "widget_tweaks",
    "tailwind",
    "theme",
    "community",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "community.middleware.ContentSecurityPolicyMiddleware",
    "community.middleware.VaryOnHtmxMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the views answer (WhiteNoise serves static files
    # compressed ahead of time), padding each response with random bytes so
    # a page carrying a CSRF token resists BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # Before anything reads the body: refuses bodies over
    # DATA_UPLOAD_MAX_MEMORY_SIZE (413) and text that is not UTF-8 (400).
    "community.middleware.RequestValidationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "community.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out log-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "community.context_processors.figures",
            ],
        },
    },
    # The parts repeated once per post or comment (see community/jinja.py).
    # Second, so a name both engines know is a Django template.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "community.jinja.environment",
            # Django's csrf processor evaluates the token once per render;
            # the backend's own csrf_input masks a new token at every use.
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.csrf",
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, otherwise an SQLite file in
# the project so the site runs with no database server at all.
DATABASE_URL = env_str("DATABASE_URL")
STATEMENT_TIMEOUT_MS = env_int("DJANGO_STATEMENT_TIMEOUT_MS", 5000, minimum=0)
# Seconds a connection is kept for the next request. 0 (a connection per
# request) suits runserver, whose every request thread would otherwise keep
# one of its own; production's long-lived workers set it (docker-compose.yml).
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 0, minimum=0)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and STATEMENT_TIMEOUT_MS:
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
            "CONN_MAX_AGE": CONN_MAX_AGE,
        }
    }

# Cache: shared by every web process in production, since it holds the
# leaderboard's answer of the tick (community/selectors/leaderboard.py).
#   CACHE_URL empty: with DJANGO_DEBUG on, this process's memory (the
#     development server is one process); off, the database's table
#     community_cache (created by `migrate`).
#   "redis://host:6379/0": Redis, which also counts the write limits.
#   "db://<table>": another database table (run `manage.py createcachetable`).
#   "locmem://": this process's memory; `check --deploy` warns about it.
CACHE_URL = env_str("CACHE_URL")
if not CACHE_URL:
    CACHE_URL = "locmem://" if DEBUG else "db://community_cache"
if CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_URL.removeprefix("db://") or "community_cache",
        }
    }
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must be empty, redis://..., db://<table> or locmem://, not {CACHE_URL!r}."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username or address before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Log-in throttling (django-axes): after COMMUNITY_LOGIN_FAILURE_LIMIT
# failures for one username from one address, or
# COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT failures from one address for any
# usernames, attempts for that pair, or from that address, are refused with
# 429 until COMMUNITY_LOGIN_COOLOFF_MINUTES after the last failure, even
# with the right password. Failures for a username are never counted across
# addresses: a stranger's guesses must not lock the owner out. Refused
# attempts do not extend the lockout. axes has one limit for every
# parameter set; community.ratelimit.LoginFailureHandler gives the address
# alone its own.
AXES_FAILURE_LIMIT = env_int("COMMUNITY_LOGIN_FAILURE_LIMIT", 5, minimum=1)
COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("COMMUNITY_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "community.ratelimit.LoginFailureHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "community.ratelimit.login_lockout_response"
AXES_CLIENT_IP_CALLABLE = "community.ratelimit.client_ip"
# No "AXES: BEGIN version" banner on every manage.py command, and no log
# line for every successful log-in.
AXES_VERBOSE = False
# Proxies in front of the site that append to X-Forwarded-For (a load
# balancer: 1). Failures are counted by the client address they report.
COMMUNITY_TRUSTED_PROXY_COUNT = env_int("COMMUNITY_TRUSTED_PROXY_COUNT", 0, minimum=0)

# Writes per signed-in user, and sign-ups per client address:
# "count/period", period s, m, h or d. Past the limit a write is refused
# with 429 and Retry-After. Counted in Redis when the cache is Redis,
# otherwise in the database (community/ratelimit.py).
COMMUNITY_RATE_LIMITS = {
    "post": env_str("COMMUNITY_RATE_LIMIT_POST", "5/m"),
    "comment": env_str("COMMUNITY_RATE_LIMIT_COMMENT", "20/m"),
    "like": env_str("COMMUNITY_RATE_LIMIT_LIKE", "60/m"),
    "edit": env_str("COMMUNITY_RATE_LIMIT_EDIT", "30/m"),
    "signup": env_str("COMMUNITY_RATE_LIMIT_SIGNUP", "5/h"),
    "password_reset": env_str("COMMUNITY_RATE_LIMIT_PASSWORD_RESET", "5/h"),
    "password_check": env_str("COMMUNITY_RATE_LIMIT_PASSWORD_CHECK", "10/h"),
}

# Posts per page of the feed.
COMMUNITY_FEED_PAGE_SIZE = env_int("COMMUNITY_FEED_PAGE_SIZE", 20, minimum=1)
# Seconds between the leaderboard fragment's polls while its tab is visible.
COMMUNITY_LEADERBOARD_POLL_SECONDS = env_int("COMMUNITY_LEADERBOARD_POLL_SECONDS", 5, minimum=1)
# Seconds one computed leaderboard is shared by concurrent readers; 0 computes it on every request.
COMMUNITY_LEADERBOARD_TICK = env_float("COMMUNITY_LEADERBOARD_TICK", 1.0, minimum=0)

# The JSON API (community/api/): the site's session and CSRF, its rules and
# write limits, one error shape (community.api.errors).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["community.api.permissions.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "community.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The OpenAPI schema at /api/schema/ and Swagger UI at /api/docs/, served
# from our own static files (drf-spectacular-sidecar), its start-up script
# a file of its own so the Content-Security-Policy needs no inline script.
SPECTACULAR_SETTINGS = {
    "TITLE": "Community API",
    "DESCRIPTION": "Posts, threaded comments, likes, karma, the leaderboard, search and replies to you, "
    "as JSON. Sign in with POST /api/v1/session/; unsafe methods need the X-CSRFToken header (README: API).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# E-mail (password resets). With DJANGO_DEBUG on and no DJANGO_EMAIL_HOST,
# messages are printed to the console; otherwise they go by SMTP, so a
# reset link never ends up in production's logs.
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Community <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if DEBUG and not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "community:feed"
LOGOUT_REDIRECT_URL = "community:feed"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The site is in English only. With translation on, every date, "3 hours
# ago" and plural on a thread page looked up the active language through a
# context-local (about 20 lookups per comment, a quarter of the page).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

TAILWIND_APP_NAME = "theme"

# Request bodies: a post or comment is at most 10,000 characters, so 1 MB
# of form data is already generous; larger bodies are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_MAX_BODY_BYTES", 1024 * 1024, minimum=1)

# Security. These apply whenever DEBUG is off; behind a TLS-terminating proxy
# set DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "community.errors.csrf_failure"
# Sent by community.middleware (report-only with DEBUG on). Only our own
# files run: htmx, its extensions and our behaviours are static files, htmx's config is a <meta>
# with allowEval off and its inline indicator styles disabled.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe health over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every log line goes to standard error once.
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO", choices={"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default logging gives "django" a console handler of its
        # own (with DEBUG on), so every line the root printed too came out
        # twice. Naming the logger here drops that handler (and the unused
        # mail_admins one) and leaves it to the root, but also resets
        # "django.server", runserver's request lines, which is therefore
        # set up again as Django sets it up: its own format, no propagation.
        "django": {"level": LOG_LEVEL},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # SQL is logged at DEBUG: never print it, whatever DJANGO_LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
    },
}
