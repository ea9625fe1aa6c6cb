"""Reads on a PostgreSQL streaming replica (docs/deploiement.md), installed by the settings only
when DATABASE_REPLICA_URL names one.

The middleware decides once per request which database its reads go to, and says it to the
router through a context variable: the replica for partners, for anonymous visitors of the public
bilans and for the API, whose readers need figures a few seconds old at worst; the primary for
everyone else, for every request that writes, and for whoever wrote a moment ago, who must see
what they just saved. Writes and migrations always go to the primary."""

import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLIQUE = "replique"
# Who is logged in, and with which rights, is read where it is written: a password change, a
# closed session or a revoked token takes effect at the next request, not after the replica's lag.
TOUJOURS_SUR_LE_PRIMAIRE = frozenset({"sessions", "auth", "authtoken", "axes"})
# The signed cookie of a user who wrote: the date is in its signature, checked against
# LECTURE_PRIMAIRE_APRES_ECRITURE, so a kept cookie pins no one to the primary.
COOKIE_ECRITURE = "ecriture_recente"
SEL = "config.routeurs.ecriture"
METHODES_DE_LECTURE = frozenset({"GET", "HEAD", "OPTIONS"})
ECRITURES = frozenset({"INSERT", "UPDATE", "DELETE"})
# Seconds a replica's lag: none when it has replayed all it received (an idle primary sends
# nothing, which is no lag), else the time since the last transaction it replayed, unknown
# (infinite) when it replayed none since it started.
RETARD_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
    END
"""

journal = logging.getLogger(__name__)
_base_de_lecture = ContextVar("base_de_lecture", default=DEFAULT_DB_ALIAS)


class RouteurReplique:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in TOUJOURS_SUR_LE_PRIMAIRE:
            return DEFAULT_DB_ALIAS
        return _base_de_lecture.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows, ids included.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class EtatDeLaReplique:
    """Whether the replica can be read, checked at most every REPLIQUE_VERIFICATION seconds by
    each process: reachable, and no further behind than REPLIQUE_RETARD_MAX. A replica found
    down is tried again only after REPLIQUE_PAUSE_APRES_PANNE seconds, so that its connection
    timeout is not paid by every request meanwhile."""

    def __init__(self):
        self.oublier()

    def oublier(self):
        self.prochaine_verification = 0.0
        self.lisible = False

    def lisible_maintenant(self):
        maintenant = time.monotonic()
        if maintenant >= self.prochaine_verification:
            self.lisible, delai = self._verifier()
            self.prochaine_verification = maintenant + delai
        return self.lisible

    def _verifier(self):
        connexion = connections[REPLIQUE]
        try:
            with connexion.cursor() as curseur:
                curseur.execute(RETARD_SQL if connexion.vendor == "postgresql" else "SELECT 0")
                retard = float(curseur.fetchone()[0])
        except DatabaseError as erreur:
            journal.warning("Réplique injoignable, lectures sur le primaire : %s", erreur)
            connexion.close()
            return False, settings.REPLIQUE_PAUSE_APRES_PANNE
        if retard > settings.REPLIQUE_RETARD_MAX:
            journal.warning("Réplique en retard de %.1f s, lectures sur le primaire.", retard)
            return False, settings.REPLIQUE_VERIFICATION
        return True, settings.REPLIQUE_VERIFICATION


etat_de_la_replique = EtatDeLaReplique()


def lit_sur_la_replique(request):
    """Partners, anonymous readers of the public bilans and the API (whose tokens Django's
    middleware does not see, hence the namespace alone) read figures that a few seconds of lag
    cannot mislead; a request that may write, or that follows a write of its user, does not."""
    if request.method not in METHODES_DE_LECTURE:
        return False
    if request.get_signed_cookie(COOKIE_ECRITURE, None, salt=SEL, max_age=settings.LECTURE_PRIMAIRE_APRES_ECRITURE):
        return False
    espaces = request.resolver_match.namespaces
    if "api" in espaces:
        return True
    if not request.user.is_authenticated:
        return "bilan" in espaces
    return request.perimetre.partenaire


def lire_ses_ecritures(execute, sql, params, many, context):
    """A request read on the replica that writes all the same reads the rest of its work from
    the primary, where it wrote it. Told by the statement sent: Django's router is also asked
    where to write by mere assignments of related objects, which write nothing."""
    if _base_de_lecture.get() != DEFAULT_DB_ALIAS and sql.lstrip()[:6].upper() in ECRITURES:
        _base_de_lecture.set(DEFAULT_DB_ALIAS)
    return execute(sql, params, many, context)


class LectureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        jeton = _base_de_lecture.set(DEFAULT_DB_ALIAS)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(lire_ses_ecritures):
                response = self.get_response(request)
        finally:
            _base_de_lecture.reset(jeton)
        if request.method not in METHODES_DE_LECTURE and response.status_code < 400:
            # A signed cookie rather than the session: the anonymous have none, and marking it
            # would write the session row at every save; the cookie costs no query, and every
            # app server, sharing SECRET_KEY, reads it.
            response.set_signed_cookie(
                COOKIE_ECRITURE,
                "1",
                salt=SEL,
                max_age=settings.LECTURE_PRIMAIRE_APRES_ECRITURE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, vue, args, kwargs):
        if lit_sur_la_replique(request) and etat_de_la_replique.lisible_maintenant():
            _base_de_lecture.set(REPLIQUE)
