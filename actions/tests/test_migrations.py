"""Migrations stand alone: none imports the application's code, so that editing a module never
changes what an old migration does. A data migration carries the code it needs, as it was."""

import ast
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from actions.models import Seance as ActuelleSeance

from .factories import ActionFactory, ParticipantFactory

PROJET = {"actions", "comptes", "config", "fiches", "indicateurs", "partenaires"}


def _migrations():
    for config in apps.get_app_configs():
        if config.name.split(".")[0] in PROJET:
            yield from sorted((Path(config.path) / "migrations").glob("0*.py"))


def _nom(noeud):
    """The dotted name of `a.b.c`, or None."""
    if isinstance(noeud, ast.Name):
        return noeud.id
    if isinstance(noeud, ast.Attribute):
        base = _nom(noeud.value)
        return base and f"{base}.{noeud.attr}"
    return None


@pytest.mark.parametrize("chemin", list(_migrations()), ids=lambda chemin: f"{chemin.parts[-3]}/{chemin.stem}")
def test_a_migration_names_the_project_s_code_only_for_a_field_s_validators(chemin):
    """Django writes `validators=[fiches.validators.valider_code_qpv]` into a field's definition
    itself; anything else of the project (a function to run, a model) must be copied in."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    importes = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.ImportFrom) and (noeud.module or "").split(".")[0] in PROJET:
            pytest.fail(f"{chemin.name} imports from {noeud.module}")
        if isinstance(noeud, ast.Import):
            importes |= {alias.name for alias in noeud.names if alias.name.split(".")[0] in PROJET}
    validateurs = {
        id(noeud)
        for mot_cle in ast.walk(arbre)
        if isinstance(mot_cle, ast.keyword) and mot_cle.arg == "validators"
        for noeud in ast.walk(mot_cle.value)
    }
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Attribute) and _nom(noeud.value) in importes:
            assert id(noeud) in validateurs, f"{chemin.name} uses {_nom(noeud)} outside a field's validators"


@pytest.mark.django_db(transaction=True)
def test_0004_keeps_one_session_per_date_and_dates_the_grids_saved_before_it():
    """Before 0004, nothing prevented two sessions of an action on one date, and no session had
    a date of grid saved: migrated, the copies that hold nothing go, those that hold attendance
    get a start time to check, and the sessions entered are told from the others."""
    action = ActionFactory()
    enfant = ParticipantFactory(structure=action.porteur)
    executor = MigrationExecutor(connection)
    executor.migrate([("actions", "0003_resumes_des_presences")])
    try:
        _doublons_et_grilles_migres(executor, action, enfant)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _doublons_et_grilles_migres(executor, action, enfant):
    anciennes = executor.loader.project_state([("actions", "0003_resumes_des_presences")]).apps
    Seance = anciennes.get_model("actions", "Seance")
    Presence = anciennes.get_model("actions", "Presence")
    HistoricalSeance = anciennes.get_model("actions", "HistoricalSeance")
    octobre, novembre, a_venir = date(2025, 10, 1), date(2025, 11, 5), timezone.localdate() + timedelta(days=7)
    gardee = Seance.objects.create(action_id=action.pk, date=octobre, parents_presents=2)
    vide, tenue = (Seance.objects.create(action_id=action.pk, date=octobre) for _ in range(2))
    Presence.objects.create(seance=tenue, participant_id=enfant.pk)
    comptee = Seance.objects.create(action_id=action.pk, date=novembre, enfants_anonymes=12)
    sans_personne = Seance.objects.create(action_id=action.pk, date=date(2025, 11, 12))
    jamais = Seance.objects.create(action_id=action.pk, date=date(2025, 11, 19))
    future = Seance.objects.create(action_id=action.pk, date=a_venir)
    grille_vide = datetime(2025, 11, 12, 18, 5, tzinfo=UTC)
    for seance, raison in [(sans_personne, "Présences – sans changement d’enfant"), (future, "Présences – …")]:
        HistoricalSeance.objects.create(
            id=seance.pk,
            action_id=action.pk,
            date=seance.date,
            history_date=grille_vide,
            history_type="~",
            history_change_reason=raison,
        )

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    # The first copy that holds attendance keeps the date alone; the empty one goes; the other
    # one that holds attendance stays beside it, with a start time and a note to check it.
    restantes = {s.pk: s for s in ActuelleSeance.objects.filter(date=octobre)}
    assert set(restantes) == {gardee.pk, tenue.pk}
    assert restantes[gardee.pk].heure_debut is None
    assert restantes[tenue.pk].heure_debut == time(0, 1) and "Doublon" in restantes[tenue.pk].notes
    saisies = dict(ActuelleSeance.objects.values_list("pk", "saisie_le"))
    assert vide.pk not in saisies
    assert saisies[tenue.pk] and saisies[gardee.pk] and saisies[comptee.pk], "attendance held: entered"
    assert saisies[sans_personne.pk] == grille_vide, "a grid saved with nobody present is in the history"
    assert saisies[jamais.pk] is None and saisies[future.pk] is None
