"""Several officers setting the same target, or entering, correcting or deleting the same external
value, at the same moment on PostgreSQL, through the pages (see actions/tests/test_concurrence.py):
one is saved, the others are told in French what was saved before theirs, and none ends in a
server error."""

import datetime
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from actions.tests.navigateur import formulaire, navigateurs, simultanement, texte
from fiches.annees import AnneeScolaire
from fiches.models import Contrat

from ..models import Cible, Indicateur, ValeurExterne
from ..services import valeur_externe_enregistrer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]

ANNEE = AnneeScolaire.courante().libelle


def test_the_same_target_set_by_four_officers_at_once_is_set_once_and_the_others_are_told(reference):
    url = "/indicateurs/fiches/1.2.3/definitions/taux_assiduite/"
    envois = []
    for rang, client in enumerate(navigateurs(4)):
        donnees = formulaire(client.get(url), "valeur")
        donnees.update(annee_scolaire=[ANNEE], quartier=[""], valeur=[str(70 + rang)])
        envois.append(partial(client.post, url, donnees))

    reponses = simultanement(*envois)

    assert sorted(r.status_code for r in reponses) == [200, 200, 200, 302]
    cible = Cible.objects.get(indicateur__code="taux_assiduite", annee_scolaire=ANNEE, quartier=None)
    assert cible.valeur == 70 + [r.status_code for r in reponses].index(302)
    for refus in (texte(r) for r in reponses if r.status_code == 200):
        assert (
            f"Une cible de {cible.valeur:.0f},0\u00a0% a été fixée entre-temps pour {ANNEE} (tout le contrat)" in refus
        )


def test_the_same_external_value_entered_by_four_officers_at_once_is_saved_once(reference):
    url = "/indicateurs/valeurs/"
    indicateur = Indicateur.objects.get(code="taux_reussite_dnb")
    envois = []
    for rang, client in enumerate(navigateurs(4)):
        donnees = formulaire(client.get(url), "valeur")
        donnees.update(
            indicateur=[str(indicateur.pk)],
            annee_scolaire=[ANNEE],
            valeur=[str(80 + rang)],
            source=["DEPP"],
            date_source=["15/10/2026"],
        )
        envois.append(partial(client.post, url, donnees))

    reponses = simultanement(*envois)

    assert sorted(r.status_code for r in reponses) == [200, 200, 200, 302]
    valeur = ValeurExterne.objects.get(indicateur=indicateur, annee_scolaire=ANNEE)
    assert valeur.valeur == 80 + [r.status_code for r in reponses].index(302)
    for refus in (texte(r) for r in reponses if r.status_code == 200):
        assert (
            "Une valeur existe déjà pour cet indicateur, ce contrat et cette année : "
            f"{valeur.valeur:.0f},0\u00a0% (DEPP, 15/10/2026)"
        ) in refus


def _valeur_de_l_an_dernier(indicateur):
    return valeur_externe_enregistrer(
        contrat=Contrat.objects.get(),
        donnees={
            "indicateur": indicateur,
            "annee_scolaire": AnneeScolaire.courante().precedente().libelle,
            "valeur": Decimal("36"),
            "source": "PSAD",
            "date_source": datetime.date(2026, 10, 15),
        },
    )


def test_the_same_value_corrected_by_four_chefs_at_once_is_corrected_once_and_the_others_are_told(reference):
    valeur = _valeur_de_l_an_dernier(Indicateur.objects.get(code="nb_decrocheurs"))
    url = f"/indicateurs/valeurs/{valeur.pk}/modifier/"
    envois = []
    for rang, client in enumerate(navigateurs(4)):
        donnees = formulaire(client.get(url), "valeur")
        donnees["valeur"] = [str(40 + rang)]
        envois.append(partial(client.post, url, donnees))

    reponses = simultanement(*envois)

    assert sorted(r.status_code for r in reponses) == [200, 200, 200, 302]
    valeur.refresh_from_db()
    assert (valeur.valeur, valeur.version) == (40 + [r.status_code for r in reponses].index(302), 1)
    for refus in (texte(r) for r in reponses if r.status_code == 200):
        assert "Modifié entre-temps par " in refus and f"« {valeur.valeur:.0f} »" in refus
    assert valeur.history.count() == 2


def test_a_value_corrected_and_deleted_at_once_ends_one_way_and_the_other_is_told(reference):
    valeur = _valeur_de_l_an_dernier(Indicateur.objects.get(code="nb_decrocheurs"))
    correcteur, effaceur = navigateurs(2)
    modifier, supprimer = f"/indicateurs/valeurs/{valeur.pk}/modifier/", f"/indicateurs/valeurs/{valeur.pk}/supprimer/"
    correction = formulaire(correcteur.get(modifier), "valeur")
    correction["valeur"] = ["41"]
    confirmation = formulaire(effaceur.get(supprimer), "version")

    corrigee, supprimee = simultanement(
        partial(correcteur.post, modifier, correction), partial(effaceur.post, supprimer, confirmation)
    )

    restante = ValeurExterne.objects.filter(pk=valeur.pk).first()
    if supprimee.status_code == 302:
        assert restante is None
        # Deleted while the correction waited for its lock (the form answers again), or before
        # the correction read it (back to the list, which says so).
        if corrigee.status_code == 302:
            corrigee = correcteur.get(corrigee["Location"])
        assert corrigee.status_code == 200
        assert "Cette valeur a été supprimée entre-temps par Dominique Bernard le " in texte(corrigee)
    else:
        assert corrigee.status_code == 302 and restante.valeur == 41
        assert "Cette valeur a été modifiée entre-temps par Camille Martin le " in texte(supprimee)


def test_a_value_moved_to_a_year_while_another_is_entered_for_it_is_saved_once(reference):
    indicateur = Indicateur.objects.get(code="nb_decrocheurs")
    valeur = _valeur_de_l_an_dernier(indicateur)
    correcteur, saisisseur = navigateurs(2)
    modifier = f"/indicateurs/valeurs/{valeur.pk}/modifier/"
    correction = formulaire(correcteur.get(modifier), "valeur")
    correction["annee_scolaire"] = [ANNEE]
    saisie = formulaire(saisisseur.get("/indicateurs/valeurs/"), "valeur")
    saisie.update(
        indicateur=[str(indicateur.pk)],
        annee_scolaire=[ANNEE],
        valeur=["50"],
        source=["DEPP"],
        date_source=["15/10/2026"],
    )

    reponses = simultanement(
        partial(correcteur.post, modifier, correction), partial(saisisseur.post, "/indicateurs/valeurs/", saisie)
    )

    assert sorted(r.status_code for r in reponses) == [200, 302]
    assert ValeurExterne.objects.filter(indicateur=indicateur, annee_scolaire=ANNEE).count() == 1
    (refus,) = (texte(r) for r in reponses if r.status_code == 200)
    assert "Une valeur existe déjà pour cet indicateur, ce contrat et cette année : " in refus
