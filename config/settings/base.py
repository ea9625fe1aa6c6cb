"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "oui"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.admin.ConfigAdministration",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "fiches",
    "partenaires",
    "comptes",
    "actions",
    "dossiers",
    "indicateurs",
    "imports",
    "accueil",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "comptes.perimetre.PerimetreMiddleware",
    "config.requetes.RefusOctetNulMiddleware",
    "fiches.chargement.ChargementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Widgets are rendered with the project's templates, so that templates/django/forms/ can
# override Django's own (see select.html there).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# SQLite (development, small trials; production is PostgreSQL) writes one transaction at a time.
# A transaction that read before writing fails at once with "database is locked" when another
# holds the write lock; begun IMMEDIATE, it takes the lock first and waits up to `timeout`
# seconds for it instead.
OPTIONS_SQLITE = {"transaction_mode": "IMMEDIATE", "timeout": 20}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(OPTIONS_SQLITE)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The dashboards' aggregates are cheap but their estimated cost crosses PostgreSQL's JIT
    # threshold: compiling them took 50 of the 87 ms of the contract's action totals on a large
    # city's data (docs/performance.md). Short queries gain nothing from JIT.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A PostgreSQL streaming replica, when there is one (docs/deploiement.md): partner, public and API
# reads go to it (config.routeurs), the rest, every write and the migrations to the primary. A
# replica down or lagging more than REPLIQUE_RETARD_MAX seconds is left aside, checked again every
# REPLIQUE_VERIFICATION seconds, or REPLIQUE_PAUSE_APRES_PANNE after a failed connection; a user who
# wrote reads from the primary for LECTURE_PRIMAIRE_APRES_ECRITURE seconds, longer than the lag
# allowed, so that they see what they saved.
REPLIQUE_RETARD_MAX = float(os.environ.get("REPLIQUE_RETARD_MAX", "5"))
REPLIQUE_VERIFICATION = float(os.environ.get("REPLIQUE_VERIFICATION", "2"))
REPLIQUE_PAUSE_APRES_PANNE = float(os.environ.get("REPLIQUE_PAUSE_APRES_PANNE", "10"))
LECTURE_PRIMAIRE_APRES_ECRITURE = int(os.environ.get("LECTURE_PRIMAIRE_APRES_ECRITURE", "15"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replique"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # A replica that does not answer within 2 s is taken for down, and the primary read instead.
    DATABASES["replique"]["OPTIONS"] = {"options": "-c jit=off", "connect_timeout": 2}
    DATABASE_ROUTERS = ["config.routeurs.RouteurReplique"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("comptes.perimetre.PerimetreMiddleware") + 1, "config.routeurs.LectureMiddleware"
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "comptes.auth.ComptesReelsBackend"]
# Login throttling (comptes.connexion, docs/securite.md): 5 failures for one account from one
# address lock it there for 15 minutes; 20 for the account from all addresses together lock it
# everywhere but the addresses it logged in from in the last 30 days.
AXES_FAILURE_LIMIT = 5
ECHECS_PAR_COMPTE = 20
ADRESSES_CONNUES_JOURS = 30
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = "comptes.connexion.parametres_de_verrouillage"
# The client's address: X-Forwarded-For is believed only from these reverse proxies (addresses or
# networks, comma-separated, e.g. "127.0.0.1" when nginx runs on the same machine); empty: the
# app is reached directly and the socket's peer address is the client's.
PROXYS_DE_CONFIANCE = env_list("PROXYS_DE_CONFIANCE")
AXES_CLIENT_IP_CALLABLE = "comptes.connexion.adresse_du_client"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "verrouillage.html"
# Usernames are personal data: axes logs attempts without them.
AXES_VERBOSE = False
# A password reset link is valid for an hour, once (the e-mail says so, comptes.views).
PASSWORD_RESET_TIMEOUT = 60 * 60
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "connexion"
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# French for everyone, whatever the browser asks: strings are marked for translation so that
# an English locale can be added with LocaleMiddleware later.
LANGUAGE_CODE = "fr-fr"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party assets come from npm (package-lock.json), never copied into static/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# No inline script or style anywhere: the app runs under a strict policy.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The read-only API (api/): JSON only (the browsable API's pages would need their own audits),
# a token per account or the session of a logged-in user, French messages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: a refused token then answers 401 with WWW-Authenticate (the first class says it).
        "api.authentification.JetonAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du contrat de ville",
    "DESCRIPTION": (
        "Lecture seule : structure du contrat, fiches, définitions des indicateurs et leurs valeurs par année "
        "scolaire, périmètre et ventilation, masquées comme pour le rôle du lecteur. Sans connexion : les "
        "années publiées seulement. Jeton : en-tête `Authorization: Token <clé>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package's static files: no CDN, under the app's strict policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Nor any of the browser's powerful features: no page of the app films, locates, pays or pops up
# full screen, and none of the pages it could be framed in may ask for them (Permissions-Policy,
# on every response, django-permissions-policy).
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "sync-xhr",
        "usb",
        "web-share",
        "xr-spatial-tracking",
    ],
    [],
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# E-mail (password reset links): SMTP configured from the environment; the console in development
# (dev.py), memory in tests.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            "timeout": 10,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ne-pas-repondre@localhost")
# The site's address as its users reach it, for the links of the mails sent outside a request
# (envoyer_rappels); a reset link takes the address of the request that asked for it.
ADRESSE_DU_SITE = os.environ.get("ADRESSE_DU_SITE", "http://127.0.0.1:8000").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# A child's record is anonymised once this many school years have passed after its last
# presence (purger_donnees_enfants).
RETENTION_ANNEES_SCOLAIRES = int(os.environ.get("RETENTION_ANNEES_SCOLAIRES", "3"))
# Counts of children below this are shown as "< 5" outside the structure that owns the records.
SEUIL_PETITS_EFFECTIFS = int(os.environ.get("SEUIL_PETITS_EFFECTIFS", "5"))

# The cache holds the dashboards' computed figures until the next write (indicateurs.fraicheur)
# and the public bilans (indicateurs.bilan). Several processes must share it, or one would serve
# figures another's write made stale: Redis, named by REDIS_URL (production requires it). Without
# it, each process's memory, which only a single process may use (runserver, the tests). Keys
# are prefixed with the database's name: two databases never read each other's figures.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": str(DATABASES["default"]["NAME"]),
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}

# Demo accounts (demo-*) may exist and log in only where this is true.
DEMO_AUTORISEE = False
# Pages load related rows up front; where this is true a lazy load during a request raises
# instead of issuing one query per row, so an N+1 fails the tests rather than slowing a page
# (fiches.chargement).
FETCH_RAISE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step and page of the annual report's PDF at INFO; its warnings stay.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
