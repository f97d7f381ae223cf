"""Django settings for Sanzhang.

Everything a deployment changes comes from the environment (see docs/deploy.md):
DATABASE_URL, SANZHANG_SECRET_KEY, SANZHANG_DATA_KEY, SANZHANG_DEBUG, SANZHANG_HOSTS,
SANZHANG_VAR (where the SQLite file and generated keys live).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SANZHANG_VAR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _secret_from_file(env_name: str, filename: str, nbytes: int) -> str:
    """Read a secret from the environment, else from var/, creating it once.

    A fresh install must work with no configuration, yet never ship a shared key:
    the first start writes a random key beside the database, readable by its owner only.
    """
    value = os.environ.get(env_name)
    if value:
        return value
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


DEBUG = _env_bool("SANZHANG_DEBUG")
SECRET_KEY = _secret_from_file("SANZHANG_SECRET_KEY", "secret.key", 50)
# Key for personal data (ID numbers, phones): AES-GCM encryption and the keyed hash.
DATA_KEY = _secret_from_file("SANZHANG_DATA_KEY", "data.key", 32)
ALLOWED_HOSTS = os.environ.get(
    "SANZHANG_HOSTS", "127.0.0.1,localhost,testserver"
).split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "sanzhang.core",
    "sanzhang.org",
    "sanzhang.cases",
    "sanzhang.visits",
    "sanzhang.notices",
    "sanzhang.activities",
    "sanzhang.reports",
    "sanzhang.web",
    "sanzhang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sanzhang.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanzhang.config.urls"
WSGI_APPLICATION = "sanzhang.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanzhang.web.context.site",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'sanzhang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; FULL makes an acknowledged
        # commit survive a power cut; IMMEDIATE makes writers queue (up to `timeout`)
        # instead of failing when a read transaction upgrades to a write.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["connect_timeout"] = 5
    # No JIT: our queries are short, and PostgreSQL JIT-compiled grouped counts whose
    # estimate crossed jit_above_cost, spending more on compiling than on running them
    # (65 of 94 ms for the coverage page's overdue-care query at county scale).
    _pg_options.setdefault("options", "-c jit=off")
    # Django turns psycopg's prepared statements off (poolers in transaction mode lose
    # them). Our client-bound ORM queries are never prepared either way; only
    # core.db.hot_cursor's few per-request statements are, after their fifth run on a
    # connection, which spares PostgreSQL planning them on every request. Behind a
    # pooler without prepared-statement support, set SANZHANG_PG_PREPARE=0.
    if os.environ.get("SANZHANG_PG_PREPARE", "1") != "0":
        _pg_options.setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Lock by account, not by address: a whole village shares one NAT address (D4).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/auth/locked.html"
AXES_VERBOSE = False
# W006 asks to lock by IP too; we deliberately do not (decision 0003): a village's
# phones share one carrier NAT address, and locking it would lock out every chief.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sliding idle timeout of 30 minutes; the absolute limit is enforced by middleware.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _env_bool("SANZHANG_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Uploads: the roster import reads files up to this size; bigger ones are refused early.
IMPORT_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Case photos: up to 9 a case, 10 MB each, kept outside the static root and served
# only through a view that checks the case's scope.
MEDIA_ROOT = VAR_DIR / "media"
CASE_PHOTO_MAX_BYTES = 10 * 1024 * 1024
CASE_PHOTO_MAX_COUNT = 9

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Page sizes kept small: a chief's phone on a weak network.
PAGE_SIZE = 50
