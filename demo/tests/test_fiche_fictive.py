"""The demo's second fiche, fictional: its own indicators and ateliers, and two dashboards that
each count only their own fiche's actions."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from actions.models import Action, ArriveesDuJour, FrequentationAnnuelle, Presence, Seance
from demo.activite import generer_activite
from demo.fiche_fictive import charger_fiche_fictive, generer_activite_fictive
from fiches.annees import AnneeScolaire
from fiches.models import Fiche
from indicateurs.calculs import calculer
from indicateurs.models import Indicateur

pytestmark = pytest.mark.django_db


def _figure(html, code):
    ligne = re.search(rf'<tr id="indicateur-{code}">(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.findall(r'<td class="text-end fw-bold">(.*?)</td>', ligne)[0]).strip()


def test_the_fictional_fiche_s_ateliers_change_nothing_on_fiche_1_2_3_s_dashboard(client, demo, reference):
    generer_activite(contrat=reference)
    fiche = Fiche.objects.get(code="1.2.3")
    annee = AnneeScolaire.courante().precedente()
    avant = calculer(contrat=reference, annee=annee, fiche=fiche).totaux

    bilan = generer_activite_fictive(contrat=reference)

    fictive = Fiche.objects.get(code="D.1")
    assert fictive.titre.startswith("Fiche fictive de démonstration")
    assert bilan["actions"] == Action.objects.filter(realisation__fiche=fictive).count() == 6
    assert calculer(contrat=reference, annee=annee, fiche=fiche).totaux == avant
    siennes = calculer(contrat=reference, annee=annee, fiche=fictive).totaux
    assert siennes["nb_actions"]["actuelle"] == 2 and 0 < siennes["nb_enfants_beneficiaires"]["actuelle"] <= 20
    assert generer_activite_fictive(contrat=reference) is None, "a second run adds nothing"

    client.force_login(get_user_model().objects.get(username="demo-chef"))
    html_a = client.get("/indicateurs/fiches/1.2.3/", {"annee": annee.libelle}).content.decode()
    html_b = client.get("/indicateurs/fiches/D.1/", {"annee": annee.libelle}).content.decode()
    assert _figure(html_a, "nb_actions") == str(avant["nb_actions"]["actuelle"])
    assert _figure(html_b, "nb_actions") == "2"
    # The typed indicator of the fictional fiche is on its dashboard only; each title names its fiche.
    assert 'id="indicateur-nb_livres_empruntes"' in html_b and "nb_livres_empruntes" not in html_a
    assert "Fiche D.1 – Fiche fictive de démonstration" in html_b and "Fiche fictive" not in html_a
    assert "Fiche 1.2.3 – Développer des actions" in html_a


def test_the_fictional_fiche_brings_its_own_indicators_from_its_own_file(demo, reference):
    fictive = charger_fiche_fictive(contrat=reference)

    assert set(Indicateur.objects.filter(fiche=fictive).values_list("code", flat=True)) == {
        "nb_actions",
        "nb_enfants_beneficiaires",
        "nb_parents",
        "nb_livres_empruntes",
    }
    # The same code in two fiches: two indicators, each its fiche's.
    assert Indicateur.objects.filter(code="nb_actions").count() == 2
    assert Fiche.objects.du_contrat(reference).count() == 3


def test_the_fictional_fiche_s_summaries_are_those_a_full_recount_rebuilds(demo, reference):
    """Its sessions' presences, its children's first presences and arrivals per day, per fiche:
    what the dashboards of a year under way read is what `recalculer_resumes` rebuilds."""
    generer_activite(contrat=reference)
    generer_activite_fictive(contrat=reference)
    fictive = Fiche.objects.get(code="D.1")

    def resumes():
        return (
            set(Seance.objects.filter(action__realisation__fiche=fictive).values_list("pk", "nb_presents")),
            set(
                FrequentationAnnuelle.objects.filter(fiche=fictive).values_list(
                    "participant", "annee_scolaire", "quartier", "nb_presences", "premiere_presence"
                )
            ),
            set(
                ArriveesDuJour.objects.filter(fiche=fictive, nb_enfants__gt=0).values_list(
                    "perimetre", "annee_scolaire", "jour", "sexe", "niveau_scolaire", "residence", "nb_enfants"
                )
            ),
        )

    avant = resumes()
    call_command("recalculer_resumes", stdout=io.StringIO())

    assert resumes() == avant
    presents, lignes, arrivees = avant
    assert (
        sum(n for _, n in presents) == Presence.objects.filter(seance__action__realisation__fiche=fictive).count() > 0
    )
    assert lignes and arrivees
