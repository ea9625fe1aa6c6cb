"""Bulk loading as PostgreSQL does it fastest, for the region scale (demo.echelle): rows sent by
COPY instead of INSERT, into tables whose secondary indexes and constraints are dropped for the
load and built again once, in one pass each, after it. PostgreSQL only."""

import io
import json
from contextlib import contextmanager
from datetime import date, datetime, time
from itertools import islice

from django.db import connection
from django.db.models import JSONField
from django.utils import timezone

from actions.models import Presence

LIGNES_PAR_LECTURE = 2000


def _texte(valeur):
    """A value in COPY's text format."""
    if valeur is None:
        return r"\N"
    if isinstance(valeur, bool):
        return "t" if valeur else "f"
    if isinstance(valeur, int):
        return str(valeur)
    if isinstance(valeur, (datetime, date, time)):
        return valeur.isoformat()
    return str(valeur).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Flux(io.RawIOBase):
    """A file that COPY reads, filled lazily from an iterator of lines: the rows are drawn as
    PostgreSQL takes them, and memory stays flat however many there are."""

    def __init__(self, lignes):
        self._lignes = iter(lignes)
        self._reste = b""

    def readable(self):
        return True

    def read(self, taille=-1):
        while self._reste == b"" or (taille >= 0 and len(self._reste) < taille):
            morceau = "".join(islice(self._lignes, LIGNES_PAR_LECTURE))
            if not morceau:
                break
            self._reste += morceau.encode()
        if taille < 0:
            taille = len(self._reste)
        lu, self._reste = self._reste[:taille], self._reste[taille:]
        return lu


def copier(table, colonnes, lignes):
    """COPY the rows (tuples of values in the order of `colonnes`) into the table; returns how
    many were sent."""
    compte = [0]

    def texte():
        for ligne in lignes:
            compte[0] += 1
            yield "\t".join(map(_texte, ligne)) + "\n"

    quote = connection.ops.quote_name
    with connection.cursor() as curseur:
        curseur.cursor.copy_expert(
            f"COPY {quote(table)} ({', '.join(map(quote, colonnes))}) FROM STDIN", _Flux(texte()), size=1 << 16
        )
    return compte[0]


def _reserver_les_cles(modele, nombre):
    """The first of `nombre` consecutive ids taken from the table's sequence at once."""
    if not nombre:
        return 0
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s)) + %s)",
            [modele._meta.db_table, modele._meta.pk.column] * 2 + [nombre - 1],
        )
        return curseur.fetchone()[0] - nombre + 1


def _valeur(champ, objet):
    """What an INSERT would write of the field, in a type _texte knows."""
    if getattr(champ, "auto_now", False) or getattr(champ, "auto_now_add", False):
        return champ.pre_save(objet, True)
    valeur = getattr(objet, champ.attname)
    if isinstance(champ, JSONField) and valeur is not None:
        return json.dumps(valeur, cls=champ.encoder)
    return valeur


def _valeurs(objets, champs):
    for objet in objets:
        yield tuple(_valeur(champ, objet) for champ in champs)


class EcritureParCopie:
    """The writes of demo.echelle by COPY: the rows and, as bulk_create_with_history writes it,
    a creation entry of each in its history."""

    def creer(self, modele, objets):
        premier = _reserver_les_cles(modele, len(objets))
        for rang, objet in enumerate(objets):
            objet.pk = premier + rang
            objet._state.adding, objet._state.db = False, connection.alias
        champs = modele._meta.concrete_fields
        copier(modele._meta.db_table, [c.column for c in champs], _valeurs(objets, champs))
        historique = modele.history.model
        # The original's fields, under the same columns in the history.
        suivis = historique.tracked_fields
        maintenant = timezone.now()
        copier(
            historique._meta.db_table,
            ["history_date", "history_user_id", "history_change_reason", "history_type"]
            + [champ.column for champ in suivis],
            ((maintenant, None, "", "+", *(_valeur(champ, objet) for champ in suivis)) for objet in objets),
        )
        return objets

    def presences(self, couples):
        return copier(Presence._meta.db_table, ["seance_id", "participant_id"], couples)


def _definitions(tables):
    """The secondary indexes and the constraints of these tables but their primary keys, as
    (name, table, kind, definition): kind "c" for a constraint, "i" for an index."""
    with connection.cursor() as curseur:
        curseur.execute(
            """
            SELECT conname, conrelid::regclass::text, 'c', pg_get_constraintdef(oid), contype
            FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f', 'x')
            UNION ALL
            SELECT i.relname, t.relname, 'i', pg_get_indexdef(i.oid), ''
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.oid = ANY(%s::regclass[]) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype <> 'f')
            """,
            [list(tables), list(tables)],
        )
        # Foreign keys last when built again: the unique keys they may lean on come first.
        return sorted(curseur.fetchall(), key=lambda ligne: ligne[4] == "f")


@contextmanager
def _controles_faits():
    """A cursor for altering tables: PostgreSQL refuses while foreign keys checked at commit
    (Django's are) wait on rows written earlier in the transaction; they are checked first,
    and deferred again after."""
    with connection.cursor() as curseur:
        curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield curseur
        curseur.execute("SET CONSTRAINTS ALL DEFERRED")


def index_retirer(tables):
    """Drop the tables' secondary indexes and their constraints but the primary keys, before a
    load: building each again once, in one pass over the loaded rows (index_retablir), is
    cheaper than keeping it up to date row after row. Returns what index_retablir needs."""
    definitions = _definitions(tables)
    quote = connection.ops.quote_name
    with _controles_faits() as curseur:
        for nom, table, sorte, _, _ in reversed(definitions):
            if sorte == "c":
                curseur.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(nom)}")
            else:
                curseur.execute(f"DROP INDEX {quote(nom)}")
    return definitions


def index_retablir(definitions, *, memoire="1GB"):
    """Build again what index_retirer dropped; the foreign keys come back validated."""
    quote = connection.ops.quote_name
    with _controles_faits() as curseur:
        # For this transaction only: each index sorted in memory rather than on disk.
        curseur.execute("SET LOCAL maintenance_work_mem = %s", [memoire])
        for nom, table, sorte, definition, _ in definitions:
            if sorte == "c":
                curseur.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(nom)} {definition}")
            else:
                curseur.execute(definition)
