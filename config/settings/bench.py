"""The benchmark (make bench, bench/run.py): production behaviour served over plain HTTP on
127.0.0.1, against the PostgreSQL database named by DATABASE_URL, with each request's SQL
queries reported in the Server-Timing header."""

import os

from django.core.exceptions import ImproperlyConfigured

# As in production, the workers share a cache: the machine's Redis unless told otherwise.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")

from .base import *  # noqa: E402, F403

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL doit désigner la base PostgreSQL du banc d’essai.")

# As in production.
DEBUG = False
FETCH_RAISE = False
# The benchmark logs in as demo-chef and generates the demo data: demo accounts are refused
# (comptes.auth) and generer_demo too unless this is true.
DEMO_AUTORISEE = True
SECRET_KEY = SECRET_KEY or "bench-only-insecure-key-never-used-in-production"  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Production reuses connections (.env.example: CONN_MAX_AGE=60); so does the benchmark unless told,
# to the replica too when there is one (DATABASE_REPLICA_URL, docs/deploiement.md).
for _base in DATABASES.values():  # noqa: F405
    _base["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))

# Plain HTTP: no SSL redirect, no HSTS, no secure cookies, default cookie names (sessionid,
# csrftoken), which the benchmark sends back.

# Whitenoise as in production, but from the finders: no collectstatic, no manifest.
_EN_TETES = MIDDLEWARE.index("django_permissions_policy.PermissionsPolicyMiddleware") + 1  # noqa: F405
MIDDLEWARE = [
    *MIDDLEWARE[:_EN_TETES],  # noqa: F405
    "config.mesure.MesureRequetesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_EN_TETES:],  # noqa: F405
]
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
