from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from actions.models import Action, Financement, Inscription, Participant, Presence, QuestionnaireRempli, Seance
from demo.copie import _definitions
from demo.echelle import ECHELLES, Echelle
from demo.region import MODELES_CHARGES
from demo.resumes_en_sql import MODELES_RESUMES
from fiches.models import Contrat, Fiche, Quartier

pytestmark = pytest.mark.django_db
sur_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

# Three contracts of two school years: the demo's (its five quartiers) and two cities of two.
MINUSCULE = Echelle(quartiers=6, actions=120, enfants=900, annees=2, contrats=3)


@pytest.fixture
def region(reference, monkeypatch):
    monkeypatch.setitem(ECHELLES, "region", MINUSCULE)
    sortie = StringIO()
    call_command("generer_demo", echelle="region", stdout=sortie)
    return sortie.getvalue()


def _resumes():
    """Every summary row and session counter, without their ids (rebuilt rows get new ones)."""
    lignes = {
        modele.__name__: Counter(
            modele.objects.values_list(*[c.attname for c in modele._meta.concrete_fields if not c.primary_key])
        )
        for modele in MODELES_RESUMES
    }
    lignes["Seance"] = Counter(Seance.objects.values_list("pk", "nb_inscrits", "nb_presents"))
    return lignes


@sur_postgresql
def test_the_region_s_summaries_are_those_the_application_rebuilds(region):
    charges = _resumes()
    assert all(charges.values()), [nom for nom, lignes in charges.items() if not lignes]
    call_command("recalculer_resumes", stdout=StringIO())
    assert _resumes() == charges


@sur_postgresql
def test_the_region_has_several_contracts_each_with_its_fiche_quartiers_and_activity(region):
    contrats = list(Contrat.objects.order_by("pk"))
    assert len(contrats) == 3
    assert [Quartier.objects.filter(contrat=c).count() for c in contrats] == [5, 2, 2]
    # Quartier codes and school UAIs are unique across the region.
    assert Quartier.objects.values("code").distinct().count() == 9
    for contrat in contrats:
        fiche = Fiche.objects.du_contrat(contrat).get(code="1.2.3")
        actions = Action.objects.filter(porteur__contrat=contrat)
        assert actions.count() == MINUSCULE.actions // MINUSCULE.contrats
        assert not actions.exclude(realisation__fiche=fiche).exists()
        assert not actions.exclude(quartiers__contrat=contrat).exists()
        assert Participant.objects.filter(structure__contrat=contrat).count() == MINUSCULE.enfants // 3
        assert contrat.adhesions.filter(utilisateur__username="demo-chef").exists()
        assert contrat.clotures.filter(cloturee=True).exists()
    assert "Activité créée" in region and "présences" in region


@sur_postgresql
def test_the_region_s_volumes_keep_the_generator_s_shape(region):
    seances, presences = Seance.objects.count(), Presence.objects.count()
    # A city's: about 25 sessions an action, 20 presences a session (docs/performance.md).
    assert 15 <= seances / Action.objects.count() <= 35
    assert 8 <= presences / seances <= 30
    # As bulk_create_with_history writes them: one creation entry per row; presences have none.
    for modele in (Participant, Seance, Inscription, QuestionnaireRempli, Financement):
        assert modele.history.filter(history_type="+").count() == modele.objects.count()
    # Values COPY wrote as the ORM reads them back: JSON, decimals.
    rempli = QuestionnaireRempli.objects.order_by("pk").first()
    assert isinstance(rempli.reponses, dict) and rempli.reponses
    assert isinstance(rempli.score, Decimal)


@sur_postgresql
def test_the_load_puts_back_every_index_and_constraint_it_dropped(reference, monkeypatch):
    tables = [m._meta.db_table for m in MODELES_CHARGES + MODELES_RESUMES]
    avant = sorted(ligne[:4] for ligne in _definitions(tables))
    monkeypatch.setitem(ECHELLES, "region", MINUSCULE)
    call_command("generer_demo", echelle="region", stdout=StringIO())
    assert sorted(ligne[:4] for ligne in _definitions(tables)) == avant


@sur_postgresql
def test_running_the_region_again_adds_nothing(region, monkeypatch):
    volumes = [m.objects.count() for m in (Contrat, Quartier, Action, Seance, Presence)]
    sortie = StringIO()
    call_command("generer_demo", echelle="region", stdout=sortie)
    assert [m.objects.count() for m in (Contrat, Quartier, Action, Seance, Presence)] == volumes
    assert "Activité créée" not in sortie.getvalue()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is SQLite's")
def test_the_region_is_refused_on_sqlite_before_anything_is_written(reference):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generer_demo", echelle="region")
    assert not Quartier.objects.exists()
