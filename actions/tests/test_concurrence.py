"""Several people saving the same records at the same moment, on PostgreSQL, through the pages:
each user loads the form first, as a browser would, then every save is sent at once from its
own thread (its own database connection), released together by a barrier. Nothing is lost
without a word, no race ends in a server error, and the summaries stay exact.

SQLite runs one write at a time: these races exist only on PostgreSQL (production)."""

import datetime
import threading
import time
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count

from dossiers.services import annee_cloturer
from fiches.models import ClotureAnnee, Thematique

from .. import services
from ..models import Inscription, Seance
from .factories import ActionFactory, ParticipantFactory, PresenceFactory, SeanceFactory, action_avec_enfants
from .navigateur import NOMS, formulaire, navigateurs, simultanement, texte
from .test_resumes import coherent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]


def action_a_modifier():
    action = ActionFactory(description="Lecture à voix haute.")
    action.thematiques.add(Thematique.objects.create(code="lecture", libelle="Lecture"))
    return action


def test_two_grids_saved_at_once_keep_what_each_user_ticked_or_unticked():
    action, seance, (a, b, c) = action_avec_enfants(3)
    PresenceFactory(seance=seance, participant=c)
    url = f"/actions/seances/{seance.pk}/presences/"
    camille, dominique = navigateurs(2)
    # Both load the grid with C present; Camille ticks A, Dominique ticks B and unticks C.
    premiere, seconde = (
        formulaire(camille.get(url), "parents_presents"),
        formulaire(dominique.get(url), "parents_presents"),
    )
    premiere["presents"] = [str(a.pk), str(c.pk)]
    seconde["presents"] = [str(b.pk)]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert [r.status_code for r in reponses] == [302, 302]
    assert set(seance.presences.values_list("participant_id", flat=True)) == {a.pk, b.pk}
    assert coherent()


@pytest.mark.parametrize(
    ("champ", "valeur"), [("titre", "Club lecture du mercredi"), ("description", "Lecture, puis un goûter.")]
)
def test_two_edits_of_different_fields_of_an_action_at_once_are_both_kept(champ, valeur):
    action = action_a_modifier()
    url = f"/actions/{action.pk}/modifier/"
    camille, dominique = navigateurs(2)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    premiere["statut"] = ["realisee"]
    seconde[champ] = [valeur]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert [r.status_code for r in reponses] == [302, 302]
    action.refresh_from_db()
    assert (action.statut, getattr(action, champ)) == ("realisee", valeur)


def test_two_edits_of_the_same_title_at_once_refuse_the_second_in_french():
    action = action_a_modifier()
    url = f"/actions/{action.pk}/modifier/"
    camille, dominique = navigateurs(2)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    premiere["titre"], seconde["titre"] = ["Club lecture"], ["Atelier lecture"]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert sorted(r.status_code for r in reponses) == [200, 302]
    action.refresh_from_db()
    gagnant = 0 if reponses[0].status_code == 302 else 1
    refus = texte(reponses[1 - gagnant])
    assert action.titre == ["Club lecture", "Atelier lecture"][gagnant]
    assert (
        f"{' '.join(NOMS[gagnant])} a enregistré des modifications pendant que vous remplissiez ce formulaire" in refus
    )
    assert f"titre : « {action.titre} »" in refus
    assert f"Modifié entre-temps par {' '.join(NOMS[gagnant])} : « {action.titre} »." in refus


def test_two_edits_of_a_session_at_once_merge_different_fields_and_refuse_the_same_one():
    seance = SeanceFactory(action=action_a_modifier(), date=datetime.date(2025, 10, 8))
    url = f"/actions/seances/{seance.pk}/modifier/"
    camille, dominique = navigateurs(2)
    premiere, seconde = formulaire(camille.get(url), "lieu"), formulaire(dominique.get(url), "lieu")
    premiere["lieu"], seconde["notes"] = ["Gymnase"], ["Sortie à la médiathèque."]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert [r.status_code for r in reponses] == [302, 302]
    seance.refresh_from_db()
    assert (seance.lieu, seance.notes) == ("Gymnase", "Sortie à la médiathèque.")

    premiere, seconde = formulaire(camille.get(url), "lieu"), formulaire(dominique.get(url), "lieu")
    premiere["lieu"], seconde["lieu"] = ["Salle des fêtes"], ["Préau de l’école"]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert sorted(r.status_code for r in reponses) == [200, 302]
    seance.refresh_from_db()
    gagnant = 0 if reponses[0].status_code == 302 else 1
    assert seance.lieu == ["Salle des fêtes", "Préau de l’école"][gagnant]
    refus = texte(reponses[1 - gagnant])
    assert (
        f"{' '.join(NOMS[gagnant])} a enregistré des modifications pendant que vous remplissiez ce formulaire" in refus
    )
    assert f"« {seance.lieu} »" in refus


def test_eight_series_created_at_once_create_each_session_once():
    action = ActionFactory()
    url = f"/actions/{action.pk}/seances/serie/"
    serie = {"date_debut": "01/10/2025", "date_fin": "30/11/2025", "jours": ["2", "5"], "duree_minutes": "90"}

    reponses = simultanement(*(partial(client.post, url, serie) for client in navigateurs(8)))

    # The series created answers with the page listing its sessions and the dates it skipped.
    creees = [r for r in reponses if "Série de séances créée" in texte(r)]
    assert len(creees) == 1
    assert all("Aucune nouvelle date" in texte(r) for r in reponses if r not in creees)
    assert not Seance.objects.values("action", "date").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # 9 Wednesdays and 9 Saturdays, less Saturday 1 November (a public holiday).
    assert action.seances.count() == 17
    assert coherent()


def test_the_same_child_enrolled_by_eight_requests_at_once_is_enrolled_once():
    action = ActionFactory()
    enfant = ParticipantFactory(structure=action.porteur)
    url = f"/actions/{action.pk}/inscriptions/"
    envois = []
    for client in navigateurs(8):
        donnees = formulaire(client.get(url), "date_inscription")
        donnees["participants"] = [str(enfant.pk)]
        envois.append(partial(client.post, url, donnees, follow=True))

    reponses = simultanement(*envois)

    assert {r.status_code for r in reponses} == {200}
    assert Inscription.objects.filter(action=action, participant=enfant).count() == 1
    textes = [texte(r) for r in reponses]
    assert sum("1 enfant(s) inscrit(s)." in t for t in textes) == 1
    assert sum(f"Déjà inscrit(s) à cette action : {enfant.code}." in t for t in textes) == 7
    assert coherent()


def test_a_year_closed_while_a_grid_of_it_is_saved_ends_one_way_or_the_other():
    """The closing waits for the grid under way, or the grid for the closing: saved then
    closed, or closed then refused in French; never presences written into a closed year."""
    action, seance, enfants = action_avec_enfants(3)
    saisie_le = seance.saisie_le
    url_grille, url_cloture = f"/actions/seances/{seance.pk}/presences/", "/indicateurs/annees/2025-2026/cloturer/"
    animateur, chef = navigateurs(2)
    grille = formulaire(animateur.get(url_grille), "parents_presents")
    grille["presents"] = [str(enfant.pk) for enfant in enfants]
    assert "Clôturer l’année scolaire 2025-2026 ?" in texte(chef.get(url_cloture))

    reponses = simultanement(partial(animateur.post, url_grille, grille), partial(chef.post, url_cloture))

    assert reponses[1].status_code == 302
    assert ClotureAnnee.objects.get().cloturee
    seance.refresh_from_db()
    if reponses[0].status_code == 302:
        assert (seance.presences.count(), seance.saisie_le > saisie_le) == (3, True)
    else:
        assert reponses[0].status_code == 200
        assert "L’année scolaire 2025-2026 est clôturée depuis le" in texte(reponses[0])
        assert (seance.presences.count(), seance.saisie_le) == (0, saisie_le)
    assert coherent()


def _en_parallele(premiere, seconde):
    """`premiere` runs in a transaction held open a moment after it wrote; `seconde` starts once
    it wrote. Returns when each ended (monotonic), and what `seconde` raised, if anything."""
    ecrit, fins, erreurs = threading.Event(), {}, []

    def tenir():
        try:
            with transaction.atomic():
                premiere()
                ecrit.set()
                time.sleep(0.5)
            fins["premiere"] = time.monotonic()
        finally:
            ecrit.set()
            connection.close()

    def attendre():
        try:
            ecrit.wait(timeout=30)
            seconde()
        except ValidationError as refus:
            erreurs.append(refus)
        finally:
            fins["seconde"] = time.monotonic()
            connection.close()

    fils = [threading.Thread(target=tenir), threading.Thread(target=attendre)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    return fins, erreurs


def _chef():
    return get_user_model().objects.create_user(username="chef", first_name="Camille", last_name="Martin")


def test_a_closing_waits_for_the_grid_under_way_which_is_kept():
    action, seance, enfants = action_avec_enfants(2)
    chef = _chef()

    fins, erreurs = _en_parallele(
        lambda: services.presences_enregistrer(
            seance=seance, presents=[e.pk for e in enfants], enfants_anonymes=0, parents_presents=0
        ),
        lambda: annee_cloturer(contrat=action.porteur.contrat_id, annee=2025, auteur=chef),
    )

    assert erreurs == [] and fins["seconde"] >= fins["premiere"]
    assert seance.presences.count() == 2 and ClotureAnnee.objects.get().cloturee
    assert coherent()


def test_a_grid_saved_while_its_year_is_being_closed_waits_and_is_refused():
    action, seance, enfants = action_avec_enfants(2)
    chef = _chef()

    fins, erreurs = _en_parallele(
        lambda: annee_cloturer(contrat=action.porteur.contrat_id, annee=2025, auteur=chef),
        lambda: services.presences_enregistrer(
            seance=seance, presents=[e.pk for e in enfants], enfants_anonymes=0, parents_presents=0
        ),
    )

    assert fins["seconde"] >= fins["premiere"]
    (refus,) = erreurs
    assert "L’année scolaire 2025-2026 est clôturée depuis le" in refus.messages[0]
    assert seance.presences.count() == 0


def _grille_du_mois(client, action):
    """The month grid of November 2025 as `client` loads it."""
    url = f"/actions/{action.pk}/presences/?mois=2025-11"
    reponse = client.get(url)
    return url, formulaire(reponse, f"version-{reponse.context['form'].seances[0].pk}")


def _mois_a_pointer():
    action, _, enfants = action_avec_enfants(3)
    seances = [SeanceFactory(action=action, date=datetime.date(2025, 11, jour), saisie_le=None) for jour in (5, 12)]
    return action, seances, enfants


def test_two_month_grids_saved_at_once_keep_what_each_user_ticked():
    action, (s1, s2), (a, b, c) = _mois_a_pointer()
    camille, dominique = navigateurs(2)
    (url, premiere), (_, seconde) = _grille_du_mois(camille, action), _grille_du_mois(dominique, action)
    premiere["presences"] = [f"{s1.pk}:{a.pk}", f"{s2.pk}:{a.pk}"]
    seconde["presences"] = [f"{s1.pk}:{b.pk}", f"{s2.pk}:{c.pk}"]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert [r.status_code for r in reponses] == [302, 302]
    assert set(s1.presences.values_list("participant_id", flat=True)) == {a.pk, b.pk}
    assert set(s2.presences.values_list("participant_id", flat=True)) == {a.pk, c.pk}
    assert coherent()


def test_two_month_grids_with_other_headcounts_for_one_session_at_once_refuse_the_second_whole():
    action, (s1, s2), (a, b, _) = _mois_a_pointer()
    camille, dominique = navigateurs(2)
    (url, premiere), (_, seconde) = _grille_du_mois(camille, action), _grille_du_mois(dominique, action)
    premiere["presences"], premiere[f"parents-{s2.pk}"] = [f"{s1.pk}:{a.pk}"], ["2"]
    seconde["presences"], seconde[f"parents-{s2.pk}"] = [f"{s1.pk}:{b.pk}"], ["7"]

    reponses = simultanement(partial(camille.post, url, premiere), partial(dominique.post, url, seconde))

    assert sorted(r.status_code for r in reponses) == [200, 302]
    gagnant = 0 if reponses[0].status_code == 302 else 1
    assert "Quelqu’un d’autre a changé les effectifs de la séance du 12/11/2025" in texte(reponses[1 - gagnant])
    # Nothing of the refused month was saved, not even its ticks on the other session.
    assert set(s1.presences.values_list("participant_id", flat=True)) == {[a, b][gagnant].pk}
    assert Seance.objects.get(pk=s2.pk).parents_presents == [2, 7][gagnant]
    assert coherent()
