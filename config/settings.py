"""Settings, all from the environment.

With no environment at all the project runs on a SQLite file in the project
folder with Celery tasks executed inline, which is what the demo command uses.
With DATABASE_URL and REDIS_URL it runs on PostgreSQL with Redis as the Celery
broker and result backend. DJANGO_PROFILE=production turns on the settings
that `manage.py check --deploy` asks for.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.release import code_version

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PROFILE = env.str("DJANGO_PROFILE", default="development")
PRODUCTION = PROFILE == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="" if PRODUCTION else "dev-insecure-key-change-me-for-anything-but-a-laptop",
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set in production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin's modules (import-export, openpyxl, numpy, drf-spectacular through
    # schools.tokens) load with the URL configuration (admin.autodiscover() in
    # config/urls.py), not at every django.setup(): a management command needs none.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "rules",
    "axes",
    "csp",
    "django_prometheus",
    "schools",
    "roadmaps",
    "assessments",
    "reports",
]

MIDDLEWARE = [
    # Request counts and latencies for Prometheus (/metrics), around everything.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Every response, redirects and errors included, carries its request id.
    "config.logs.RequestIdMiddleware",
    # Database time and statements per request, for /metrics.
    "config.metrics.DatabaseTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Production serves static files (hashed, compressed, after collectstatic) from gunicorn
# through WhiteNoise; development has runserver's own.
if PRODUCTION:
    MIDDLEWARE.insert(3, "whitenoise.middleware.WhiteNoiseMiddleware")

# The page benchmark (bench/bench_pages.py) reads each response's server time and SQL
# query count from a Server-Timing header; never on outside a benchmark.
if env.bool("BENCH_SERVER_TIMING", default=False):
    MIDDLEWARE.insert(0, "config.timing.ServerTimingMiddleware")

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
                "schools.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Reconnect after a PostgreSQL restart without restarting the web process.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "schools.backends.StaffModelBackend",  # model permissions: the admin staff only
]
# Argon2id at a cost a login can afford (config/hashers.py; bench/bench_login.py prints
# it); PBKDF2 hashes of existing accounts are verified and rewritten at their next login.
PASSWORD_HASHERS = [
    "config.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: five failures lock the username from that address for 30 minutes.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Content Security Policy: everything from our own origin, nothing inline (templates
# carry no <script> body, <style> or style attribute: tests/test_static_files.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
# One language: the users are Russian education authorities and the documents are
# official Russian texts. The strings go through gettext all the same.
LANGUAGES = [("ru", _("Русский"))]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Stored files (uploads, built documents) are never served by URL: only views that
# check the user's scope hand them out, in every profile. Names are random
# (config/storage.py); the upload's own name is kept in the database.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Object storage (S3 protocol: MinIO, Yandex Object Storage, AWS) when S3_BUCKET is set,
# so workers on other machines read the same files; the local disk otherwise. The
# bucket stays private: the storage hands out no URLs, only the scope-checked views
# stream files through the storage API.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "config.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": None,  # the bucket's own (private) policy, never public-read
            "querystring_auth": True,
            "querystring_expire": 60,  # were a URL ever made: signed, one minute
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "config.storage.PrivateFileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        # Production: hashed names, gzip and brotli, served by WhiteNoise (collectstatic
        # first); development: the files as they are, served by runserver.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# collectstatic compresses the hashed copies only, and not the source maps (served as
# they are): those were most of its time.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Absolute links the product hands out (the API's download_url, links in e-mail)
# start here, never with the Host a request claims.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Uploads: refuse large bodies before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)

# Celery: inline without Redis, Redis as broker and backend with it. The broker and
# the cache may live in separate Redis databases (compose: /0 broker, /1 cache), so
# that flushing or evicting the cache never touches queued work.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_REDIS_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CACHE_REDIS_URL = env.str("CACHE_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = CELERY_BROKER_REDIS_URL or "cache+memory://"
# One queue per kind of work, so a long check run never holds the worker that imports
# wait for: `celery worker -Q imports`, `-Q checks`, `-Q documents`, `-Q celery` (the
# rest: reminders, the sweep, backups) may run on separate machines.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "assessments.import_batch": {"queue": "imports"},
    "assessments.warm_reference_tables": {"queue": "imports"},
    "assessments.run_checks": {"queue": "checks"},
    "reports.build_document": {"queue": "documents"},
}
# A worker process is replaced after this many tasks: memory a large import or
# document leaves behind goes back to the machine.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
# Task events for Flower or celery-exporter, when one is run beside the workers.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Above the longest task's hard limit, so Redis never re-delivers a running task
# (tests/test_faults.py checks every task against it).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 2}
CELERY_RESULT_EXPIRES = 7 * 24 * 60 * 60
# With Redis down, a request that queues work answers within seconds: a short
# connection timeout, one quick retry, and no waiting on the result store (our
# tasks keep their state in the database and ignore results).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_BEAT_SCHEDULE = {
    "reminders-daily": {
        "task": "roadmaps.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # After the reminders: one message per person who reads their events once a day.
    "notifications-digest": {
        "task": "schools.send_notification_digest",
        "schedule": crontab(hour=7, minute=30),
    },
    "summary-weekly": {
        "task": "roadmaps.send_weekly_summary",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    # Documents and imports whose worker died are failed with a message; work
    # that could not be queued (Redis was down) is queued again.
    "background-work-sweep": {
        "task": "config.sweep_background_work",
        "schedule": 5 * 60,
    },
}

# Backups: a verified dump of the database and the stored files every night into
# BACKUP_DIR/<time>, the newest BACKUP_KEEP kept (schools/backup.py); off without it.
BACKUP_DIR = env.str("BACKUP_DIR", default="")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
if BACKUP_DIR:
    CELERY_BEAT_SCHEDULE["backup-nightly"] = {
        "task": "schools.backup",
        "schedule": crontab(
            hour=env.int("BACKUP_HOUR", default=2), minute=env.int("BACKUP_MINUTE", default=30)
        ),
    }

# With Redis down the cache misses instead of failing the page (config/cache.py),
# and finds out within half a second.
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# What one release keeps in the cache is not read by another (config/release.py).
CACHES["default"]["KEY_PREFIX"] = code_version(BASE_DIR)

# Sessions read from Redis, written through to PostgreSQL: a query less on every page
# (config/sessions.py). Only with the shared Redis cache: a per-process cache would keep
# a session another worker ended (logout) alive in this one.
if CACHE_REDIS_URL:
    SESSION_ENGINE = "config.sessions"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "schools.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "schools.tokens.ReadOnlyTokenPermission",
    ],
    "EXCEPTION_HANDLER": "config.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_RATE", default="1200/minute")},
    "DEFAULT_FILTER_BACKENDS": [
        "infra.api.filters.ApiFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # The lists of tens of thousands of rows keep their count in the cache instead
    # (infra.api.pagination.StampedPageNumberPagination, set on their viewsets).
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "infra.api.schema.ApiSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Дорожные карты объективности: API",
    "DESCRIPTION": "Регионы, муниципалитеты, школы, дорожные карты и результаты оценочных процедур.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# A roadmap in draft is its authors' own: schools below a municipal draft (and
# municipalities below a regional one) see it once approved, unless this is on.
ROADMAP_DRAFTS_SHARED_DOWN = env.bool("ROADMAP_DRAFTS_SHARED_DOWN", default=False)

# Tables shown outside a school hide cells computed from fewer pupils than this.
ANALYTICS_MIN_GROUP = env.int("ANALYTICS_MIN_GROUP", default=10)

# Mail: SMTP when EMAIL_HOST is set, the console otherwise (development).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="roadmaps@localhost")
# Days before a due date when people are reminded (each once): a week and the day before.
REMINDER_DAYS = env.list("REMINDER_DAYS", cast=int, default=[7, 1])
# Links in e-mail lead to SITE_URL (above).

# Logs: one line per event on stdout. Under production each line is a JSON object
# (time, level, logger, message, request_id, user_id, tenant: config/logs.py); in
# development plain text. LOG_FORMAT=json|text overrides.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(tenant)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logs.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": LOG_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint reports every rendering step and unsupported CSS property.
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Logins are recorded in the database by django-axes; no line per login.
        "axes": {"level": "WARNING"},
    },
}
# Celery's workers log through the same handlers (JSON in production).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors to Sentry or GlitchTip (both take a Sentry DSN); off when SENTRY_DSN is unset.
# Django, Celery and Redis are instrumented by the SDK's integrations; no personal data
# is sent (user ids only).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=PROFILE),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
