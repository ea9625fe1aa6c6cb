"""SQLite (development, small trials) with the project's settings: two transactions that read
then write at the same moment wait for each other instead of one failing with « database is
locked », as it did under gunicorn. Production runs on PostgreSQL (README)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from config.settings.base import OPTIONS_SQLITE


@pytest.fixture
def base_sqlite(tmp_path, django_db_blocker):
    """A SQLite file database with the project's options, under an alias of its own, as `make
    run` uses one (the test database is in memory, and not the one under test)."""
    alias = "sqlite_fichier"
    base = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3"), "OPTIONS": {**OPTIONS_SQLITE}}
    connections.settings[alias] = connections.configure_settings({"default": {}, alias: base})[alias]
    with django_db_blocker.unblock():
        with connections[alias].cursor() as curseur:
            curseur.execute("CREATE TABLE presence (enfant integer)")
        connections[alias].close()
        yield alias
    del connections.settings[alias]


def test_the_settings_give_sqlite_its_options():
    if connection.vendor == "sqlite":
        assert settings.DATABASES["default"]["OPTIONS"].items() >= OPTIONS_SQLITE.items()
    assert OPTIONS_SQLITE["transaction_mode"] == "IMMEDIATE"


def test_two_writers_at_once_wait_for_each_other_instead_of_failing(base_sqlite):
    lu = [threading.Event(), threading.Event()]
    erreurs = []

    def lire_puis_ecrire(rang):
        try:
            with transaction.atomic(using=base_sqlite), connections[base_sqlite].cursor() as curseur:
                curseur.execute("SELECT count(*) FROM presence")
                lu[rang].set()
                # Wait until the other has read too, if SQLite lets it read now (a deferred
                # transaction would): then both write after reading.
                lu[1 - rang].wait(timeout=1)
                curseur.execute("INSERT INTO presence VALUES (%s)", [rang])
        except Exception as erreur:  # reported by the assertion below
            erreurs.append(erreur)
        finally:
            connections[base_sqlite].close()

    fils = [threading.Thread(target=lire_puis_ecrire, args=(rang,)) for rang in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()

    assert erreurs == []
    with connections[base_sqlite].cursor() as curseur:
        curseur.execute("SELECT count(*) FROM presence")
        assert curseur.fetchone() == (2,)
    connections[base_sqlite].close()
