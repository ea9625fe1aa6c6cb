"""Local development on SQLite: `make run`."""

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-used-in-production"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
DEMO_AUTORISEE = True
FETCH_RAISE = True
# Password reset e-mails are printed in the terminal of `make run`.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
