"""The computed figures kept in the cache between two writes, so that a dashboard read again
costs no calculation, while a figure is never older than the last write committed.

Every table has a version in the cache, a random value drawn again at each write to it (an
INSERT, UPDATE or DELETE, whichever app or command makes it, bulk and raw ones included). What
is cached keeps, beside its value, the versions of the tables its queries read, taken before
they ran; it is served while they are still the tables' versions. Neither the tables a
calculation reads nor those a write changes are listed by hand: both come from the SQL as it
runs (the tables it names), so a new query or a new write can never be forgotten, and a grid
saved in a séance leaves the actions' figures cached while the presences' are read afresh. A
write whose table cannot be read from its SQL draws the version every entry depends on; writes
that change no figure are left out: the sessions, the login lockout's records.

A table's version is drawn twice: when the statement has run, so that the writer's own next
read (in its transaction, or in a test's) recomputes; and once the transaction commits, since a
reader who computed between the two saw the data from before the commit and cached it under
the first one. Versions are random, not counters: a counter lost by the cache (evicted,
restarted) would start again and meet entries cached under its earlier values.

Computations nest (a dashboard's figures, then each dataset they read): what an inner one
reads, computed or found in the cache, counts as read by those around it; the versions taken
when the outermost began validate the inner entries, as if everything were read at that moment.

The cache must be shared by every process serving the app (Redis in production, see
config/settings/production.py): a process's own memory would miss the other processes' writes."""

import hashlib
import re
import threading
import uuid

from django.apps import apps
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

PREFIXE = "indicateurs:version:"
# What every entry depends on: drawn by a write whose table is unknown, and by
# nouvelle_generation().
TOUTES = "*"
# Entries are recomputed at least this often (seconds), whatever the cache's own default.
DUREE_EN_CACHE = 60 * 60
# Statements that write nothing, by their first word; any other is a write.
LECTURES = frozenset({"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN", "SHOW", "EXPLAIN"})
# The table a write statement changes, as Django (quoted; SQLite's INSERT OR IGNORE for a
# many-to-many add) and the app's raw SQL name it.
TABLE_ECRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z_][A-Za-z0-9_]*)(?:"|\s|$)',
    re.IGNORECASE,
)
IDENTIFIANT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Tables whose writes change no figure: read on every request, written on many.
SANS_EFFET = ("django_session", "axes_")

_local = threading.local()


def _tables():
    """Every table of the app's models (many-to-many and history tables included)."""
    if (tables := getattr(_tables, "connues", None)) is None:
        tables = _tables.connues = frozenset(
            modele._meta.db_table for modele in apps.get_models(include_auto_created=True)
        )
    return tables


def tables_lues(sql):
    """The tables a statement names, quoted or not: any of them may be read."""
    return _tables().intersection(IDENTIFIANT.findall(sql))


def table_ecrite(sql):
    """The table a statement writes to; TOUTES for any other statement but a read (a write of
    another form, TRUNCATE, DDL...); None for a read, or a write to what no figure reads."""
    debut = sql.lstrip()[:9].split(None, 1)
    if debut and debut[0].upper() in LECTURES:
        return None
    if (trouvee := TABLE_ECRITE.match(sql)) is not None and (table := trouvee.group(1)).startswith(SANS_EFFET):
        return None
    return table if trouvee is not None and table in _tables() else TOUTES


def nouvelle_version(*tables):
    cache.set_many({PREFIXE + table: uuid.uuid4().hex for table in tables}, None)


def nouvelle_generation():
    """Every entry read afresh: what any write of unknown table does."""
    nouvelle_version(TOUTES)


def versions(tables):
    """{table: its current version}, drawn for a table that has none in the cache yet."""
    cles = {table: PREFIXE + table for table in tables}
    trouvees = cache.get_many(cles.values())
    resultat = {}
    for table, cle in cles.items():
        if (version := trouvees.get(cle)) is None:
            # add(): two processes drawing at once agree on whichever came first.
            cache.add(cle, uuid.uuid4().hex, None)
            version = cache.get(cle)
        resultat[table] = version
    return resultat


class _Observateur:
    """The execute wrapper of a connection: the tables each statement names go to the
    computations under way; a write draws its table's version at once, and again when its
    transaction commits (a callback registered once per transaction)."""

    def __init__(self, connexion):
        self.connexion = connexion
        self.ecrites = set()

    def __call__(self, execute, sql, params, many, context):
        resultat = execute(sql, params, many, context)
        if getattr(_local, "lectures", None):
            _noter(tables_lues(sql))
        if (table := table_ecrite(sql)) is not None:
            nouvelle_version(table)
            if self.connexion.in_atomic_block:
                if not self._rappel_en_place():
                    # Left by a transaction rolled back (or a savepoint), whose writes are gone.
                    self.ecrites.clear()
                    transaction.on_commit(self.au_commit, using=self.connexion.alias)
                self.ecrites.add(table)
        return resultat

    def au_commit(self):
        ecrites, self.ecrites = self.ecrites, set()
        nouvelle_version(*ecrites)

    def _rappel_en_place(self):
        """Whether this transaction's commit callback is registered: a rollback takes it away."""
        return any(fonction == self.au_commit for _, fonction, _ in self.connexion.run_on_commit)

    def en_attente(self):
        """Whether the connection's transaction has written and not committed yet."""
        return bool(self.ecrites and self.connexion.in_atomic_block and self._rappel_en_place())


def _ecritures_en_attente():
    return any(
        isinstance(observateur, _Observateur) and observateur.en_attente()
        for connexion in connections.all(initialized_only=True)
        for observateur in connexion.execute_wrappers[:1]
    )


def _observer(sender, connection, **kwargs):
    # Once per connection object, which opens again after CONN_MAX_AGE; first in the list, since
    # a wrapper set by `with connection.execute_wrapper(...)` before the connection opened (the
    # benchmark's query counter) is removed by popping the last one on leaving its block.
    if not any(isinstance(wrapper, _Observateur) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.insert(0, _Observateur(connection))


def observer_les_ecritures():
    """Installed once, by the app's ready(): every connection opened from then on is watched."""
    connection_created.connect(_observer, dispatch_uid="indicateurs.fraicheur")


def _noter(tables):
    for lues in getattr(_local, "lectures", ()):
        lues.update(tables)


def en_cache(cle, calcul, *, aujourdhui=None):
    """What `calcul()` returns, computed again only when a table it read has been written since,
    and once a day (figures compared "at the same date" change at midnight without a write)."""
    jour = aujourdhui or timezone.localdate()
    # Hashed: the description of what is computed (codes and all) is longer than a key may be.
    empreinte = hashlib.blake2b(cle.encode(), digest_size=16).hexdigest()
    cle_complete = f"indicateurs:calcul:{jour.isoformat()}:{empreinte}"
    lectures = getattr(_local, "lectures", None)
    exterieur = not lectures
    entree = cache.get(cle_complete)
    if exterieur:
        instantane = None
        if entree is not None and versions(entree[1]) == entree[1]:
            return entree[0]
    else:
        instantane = _local.instantane
        if entree is not None and all(instantane.get(table) == version for table, version in entree[1].items()):
            _noter(entree[1].keys())
            return entree[0]
    if exterieur:
        instantane = _local.instantane = versions({TOUTES, *_tables()})
        _local.lectures = lectures = []
    lues = {TOUTES}
    lectures.append(lues)
    try:
        valeur = calcul()
    finally:
        lectures.pop()
        if exterieur:
            del _local.lectures, _local.instantane
    # Figures read on a replica (docs/deploiement.md) may predate a write its lag has not
    # replayed yet, whose version is already drawn: kept under it, they would outlive the lag
    # until the next write. They are served, and only the primary's are kept.
    # Nor are those read by a transaction that has written: rolled back, its writes would leave
    # them valid under the versions they drew.
    if router.db_for_read(apps.get_model("indicateurs", "Indicateur")) == DEFAULT_DB_ALIAS and not (
        _ecritures_en_attente()
    ):
        cache.set(cle_complete, (valeur, {table: instantane[table] for table in lues}), DUREE_EN_CACHE)
    return valeur
