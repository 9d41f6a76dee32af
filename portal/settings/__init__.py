"""The portal's only settings module: everything that differs between machines comes from the environment.

Variables (see README): DATABASE_URL, PORTAL_SECRET_KEY, PORTAL_DEBUG, PORTAL_ALLOWED_HOSTS,
PORTAL_DEMO_PASSWORD, PORTAL_Q_BROKER, plus optional PORTAL_MEDIA_ROOT, PORTAL_EMAIL_BACKEND, PORTAL_TESTING,
PORTAL_STATIC_ROOT, PORTAL_NODE_NAME, PORTAL_WEBHOOK_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from portal.settings.env import env_bool, env_list, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("PORTAL_DEBUG", default=False)
TESTING = env_bool("PORTAL_TESTING", default=False)

_INSECURE_DEV_KEY = "django-insecure-portal-dev-only-never-in-production"
SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = _INSECURE_DEV_KEY
    else:
        raise ImproperlyConfigured("PORTAL_SECRET_KEY 未设置：生产环境必须提供随机密钥（或设置 PORTAL_DEBUG=1 用于本地开发）。")
elif not (DEBUG or TESTING) and (SECRET_KEY == _INSECURE_DEV_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("PORTAL_SECRET_KEY 过短或为默认值：生产环境需要至少 50 个字符的随机密钥。")

ALLOWED_HOSTS = env_list("PORTAL_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
CSRF_TRUSTED_ORIGINS = env_list("PORTAL_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.admin_config.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_q",
    "portal",
    "catalogs",
    "sharing",
    "subsidies",
    "procurement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
]
# The web node's name (systemd unit instance, e.g. web-1): answered as ``X-Portal-Node`` (docs/deployment.md).
PORTAL_NODE_NAME = os.environ.get("PORTAL_NODE_NAME", "")
if PORTAL_NODE_NAME:
    MIDDLEWARE.append("portal.middleware.NodeHeaderMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
            ],
            "builtins": ["portal.templatetags.portal_calendar"],
        },
    },
]

DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL", ""), BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "portal.auth.LockoutModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Every account: 10+ characters, not like the username, not in Django's shipped common-password list, not all digits;
# staff accounts (and new accounts outside the applicant registration): 12+ characters of 3 classes (ADR 0014).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.StaffPasswordValidator", "OPTIONS": {"min_length": 12, "min_classes": 3}},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING else
    ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
# Strings Django 5.2 and simple-history use but their zh_Hans catalogs lack (admin chrome, screen-reader texts).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # zh-hans for third-party admin strings the packages leave in English
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PORTAL_STATIC_ROOT", BASE_DIR / "var" / "static"))  # collectstatic output
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic fills it in production
# Uploaded evidence lives outside the web root and is only served through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("PORTAL_MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = None  # never served directly
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the admin's JS does not need it, but forms read the token from the template
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("PORTAL_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600  # absolute limit of a session; the idle limits below sign people out earlier
PORTAL_STAFF_IDLE_MINUTES = int(os.environ.get("PORTAL_STAFF_IDLE_MINUTES", "30"))
PORTAL_APPLICANT_IDLE_MINUTES = int(os.environ.get("PORTAL_APPLICANT_IDLE_MINUTES", "120"))

# --- guardian / history -----------------------------------------------------------------------
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.auth.HashedTokenAuthentication",
        "portal.api.auth.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "portal.api.filters.PortalSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/hour" if TESTING else "120/minute", "user": "100000/hour" if TESTING else "1200/minute"},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "泉州市政务数据治理门户 API",
    "DESCRIPTION": "数据目录、数据共享、惠企补贴与政务信息化项目采购的集成接口。认证：Authorization: Token <key>。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.api.schema.integer_path_ids"],
}
# records per transaction of the set-based scheduled sweeps (portal.bulk; docs/adr/0017)
SWEEP_BATCH_SIZE = int(os.environ.get("PORTAL_SWEEP_BATCH_SIZE", "1000"))
API_TOKEN_TTL_DAYS = int(os.environ.get("PORTAL_API_TOKEN_TTL_DAYS", "90"))

# --- cache (per-process; lockout counters use the database, not the cache) -------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- tasks (django-q2) ------------------------------------------------------------------------
_broker = os.environ.get("PORTAL_Q_BROKER", "orm") or "orm"
Q_CLUSTER: dict[str, object] = {
    "name": "portal",
    "workers": int(os.environ.get("PORTAL_Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,  # must exceed timeout
    "max_attempts": 5,
    "queue_limit": 50,
    "bulk": 5,
    "catch_up": False,
    "label": "后台任务",
    "sync": TESTING,
}
if _broker == "orm":
    Q_CLUSTER["orm"] = "default"
elif _broker.startswith(("redis://", "rediss://")):
    Q_CLUSTER["redis"] = _broker
else:
    raise ImproperlyConfigured(f"PORTAL_Q_BROKER 只能是 orm 或 redis:// 地址，收到：{_broker!r}")

# --- email -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "PORTAL_EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend" if TESTING else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("PORTAL_FROM_EMAIL", "noreply@portal.local")

# --- portal specifics ---------------------------------------------------------------------------
PORTAL_SITE_NAME = "泉州市政务数据治理门户"
PORTAL_XLSX_MAX_BYTES = int(os.environ.get("PORTAL_XLSX_MAX_BYTES", str(10 * 1024 * 1024)))
# Login lockout (ADR 0014): fixed 15-minute window from the first failure; 5 failures per username or 20 per client
# address lock it for 15 minutes from the failure that reached the limit. Counted in the database (all web nodes).
PORTAL_LOGIN_MAX_FAILURES = 5
PORTAL_LOGIN_MAX_FAILURES_PER_CLIENT = 20
PORTAL_LOGIN_LOCK_MINUTES = 15
# Webhook receivers on these networks (CIDR, comma-separated) are allowed although not public (ADR 0203), e.g. the
# e-government extranet; ``make cluster`` allows 127.0.0.1/32 for its local receiver.
SHARING_WEBHOOK_ALLOWED_NETWORKS = env_list("PORTAL_WEBHOOK_ALLOWED_NETWORKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "portal": {"handlers": ["console"], "level": "WARNING" if TESTING else "INFO"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}
