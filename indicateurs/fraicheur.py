"""The computed figures kept in the cache between two writes, so that a dashboard read again
costs no calculation, while a figure is never older than the last write committed.

Every cached figure carries the cache's current generation in its key. Any write to the
database (an INSERT, UPDATE or DELETE, whichever app or command makes it, bulk ones included)
draws a new generation, so that every figure computed before it is read afresh. No list of
what each figure reads is kept: the figures read most of the tables, a list would one day miss
one, and a stale figure is the one thing a dashboard must not show. Writes that change no
figure are left out: the sessions, the login lockout's records.

The new generation is drawn twice: when the statement has run, so that the writer's own next
read (in its transaction, or in a test's) recomputes; and once the transaction commits, since a
reader who computed between the two saw the data from before the commit and cached it under
the first one. The generation is random, not a counter: a counter lost by the cache (evicted,
restarted) would start again and meet figures cached under its earlier values.

The cache must be shared by every process serving the app (Redis in production, see
config/settings/production.py): a process's own memory would miss the other processes' writes."""

import hashlib
import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

from .models import Indicateur

CLE_GENERATION = "indicateurs:generation"
# Figures are recomputed at least this often (seconds), whatever the cache's own default.
DUREE_EN_CACHE = 60 * 60
ECRITURES = ("INSERT", "UPDATE", "DELETE")
# Tables whose writes change no figure: read on every request, written on many.
SANS_EFFET = ('"django_session"', '"axes_')


def nouvelle_generation():
    cache.set(CLE_GENERATION, uuid.uuid4().hex, None)


def generation():
    return cache.get_or_set(CLE_GENERATION, lambda: uuid.uuid4().hex, None)


def _change_des_figures(sql):
    debut = sql.lstrip()[:6].upper()
    return debut in ECRITURES and not any(table in sql[:80] for table in SANS_EFFET)


class _Observateur:
    """The execute wrapper of a connection: a new generation after each write statement, and
    once more when its transaction commits (registered once per transaction)."""

    def __init__(self, connexion):
        self.connexion = connexion

    def __call__(self, execute, sql, params, many, context):
        resultat = execute(sql, params, many, context)
        if _change_des_figures(sql):
            nouvelle_generation()
            if self.connexion.in_atomic_block and not any(
                fonction is nouvelle_generation for _, fonction, _ in self.connexion.run_on_commit
            ):
                transaction.on_commit(nouvelle_generation, using=self.connexion.alias)
        return resultat


def _observer(sender, connection, **kwargs):
    # Once per connection object, which opens again after CONN_MAX_AGE; first in the list, since
    # a wrapper set by `with connection.execute_wrapper(...)` before the connection opened (the
    # benchmark's query counter) is removed by popping the last one on leaving its block.
    if not any(isinstance(wrapper, _Observateur) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.insert(0, _Observateur(connection))


def observer_les_ecritures():
    """Installed once, by the app's ready(): every connection opened from then on is watched."""
    connection_created.connect(_observer, dispatch_uid="indicateurs.fraicheur")


def en_cache(cle, calcul, *, aujourdhui=None):
    """What `calcul()` returns, computed once per generation of the data and per day (figures
    compared "at the same date" change at midnight without a write)."""
    jour = aujourdhui or timezone.localdate()
    # Hashed: the description of what is computed (codes and all) is longer than a key may be.
    empreinte = hashlib.blake2b(cle.encode(), digest_size=16).hexdigest()
    cle_complete = f"indicateurs:figures:{generation()}:{jour.isoformat()}:{empreinte}"
    valeur = cache.get(cle_complete)
    if valeur is None:
        valeur = calcul()
        # Figures read on a replica (docs/deploiement.md) may predate a write its lag has not
        # replayed yet, whose generation is already drawn: kept under it, they would outlive the
        # lag until the next write. They are served, and only the primary's are kept.
        if router.db_for_read(Indicateur) == DEFAULT_DB_ALIAS:
            cache.set(cle_complete, valeur, DUREE_EN_CACHE)
    return valeur
