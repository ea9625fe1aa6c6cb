"""Prints the key of a new session logged in as the given user (demo-chef by default), as
django.contrib.auth.login would store it. The benchmark sends it as its sessionid cookie:
no login form, so django-axes never counts a failure or locks the account.

Run from the project root: DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.session
"""

import sys
from importlib import import_module

import django


def ouvrir_session(username):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.backends import ModelBackend
    from django.utils.module_loading import import_string

    utilisateur = get_user_model()._default_manager.get_by_natural_key(username)
    # login() records the backend that authenticated the user: the one checking passwords
    # (comptes.auth.ComptesReelsBackend), not axes' backend, which only refuses.
    backend = next(
        chemin for chemin in settings.AUTHENTICATION_BACKENDS if issubclass(import_string(chemin), ModelBackend)
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = utilisateur._meta.pk.value_to_string(utilisateur)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = utilisateur.get_session_auth_hash()
    session.save()
    return session.session_key


if __name__ == "__main__":
    django.setup()
    print(ouvrir_session(sys.argv[1] if len(sys.argv) > 1 else "demo-chef"))
