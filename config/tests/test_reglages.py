"""The production settings refuse to start without what several processes must share."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "fiches.exemple.fr",
    "DATABASE_URL": "postgres://personne@127.0.0.1:5432/aucune",
}


def _demarrer(**variables):
    environnement = {cle: valeur for cle, valeur in os.environ.items() if cle != "REDIS_URL"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.CACHES)",
        ],
        env=environnement | PRODUCTION | variables,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_production_refuses_a_cache_of_its_own_per_process():
    refus = _demarrer()

    assert refus.returncode != 0
    assert "REDIS_URL doit désigner le serveur Redis partagé par les processus en production." in refus.stderr


def test_production_shares_the_cache_named_by_redis_url_prefixed_by_the_database():
    demarrage = _demarrer(REDIS_URL="redis://127.0.0.1:6379/0")

    assert demarrage.returncode == 0, demarrage.stderr
    assert "django.core.cache.backends.redis.RedisCache" in demarrage.stdout
    assert "'KEY_PREFIX': 'aucune'" in demarrage.stdout
