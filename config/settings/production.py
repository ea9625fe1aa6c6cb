"""Production: gunicorn behind a TLS reverse proxy, PostgreSQL through DATABASE_URL."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY doit être défini en production.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("ALLOWED_HOSTS doit être défini en production.")
if not os.environ.get("DATABASE_URL"):
    # Without it the base settings would fall back to a SQLite file next to the code.
    raise ImproperlyConfigured("DATABASE_URL doit désigner la base PostgreSQL en production.")
if not REDIS_URL:  # noqa: F405
    # Several gunicorn workers, each with its own memory, would serve each other's stale figures.
    raise ImproperlyConfigured("REDIS_URL doit désigner le serveur Redis partagé par les processus en production.")

DEBUG = False
DEMO_AUTORISEE = False
FETCH_RAISE = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Static files are served by the app servers themselves, compressed and cache-busted, behind the
# middleware that set the security headers, which they carry too.
_EN_TETES = MIDDLEWARE.index("django_permissions_policy.PermissionsPolicyMiddleware") + 1  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE[:_EN_TETES], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_EN_TETES:]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
