"""Two people editing the same record, each from a page loaded before the other saved: the order
test_concurrence.py forces with threads on PostgreSQL, here one after the other on any
database. The later save keeps what the earlier one changed, or is refused in French with who
changed what; the grid keeps the children each one ticked; nothing is saved half."""

import datetime
import re

import pytest

from fiches.models import Thematique
from fiches.tests.factories import QuartierFactory

from .. import services
from ..models import Action, Inscription
from .factories import ActionFactory, ParticipantFactory, PresenceFactory, action_avec_enfants
from .navigateur import formulaire, navigateurs, texte

pytestmark = pytest.mark.django_db

QUAND = r"\(le \d\d/\d\d/\d{4} à \d\d:\d\d\)"


def action_a_modifier():
    action = ActionFactory(description="Lecture à voix haute.")
    action.thematiques.add(Thematique.objects.create(code="lecture", libelle="Lecture"))
    return action


def url_modifier(action):
    return f"/actions/{action.pk}/modifier/"


@pytest.fixture
def camille_et_dominique():
    return navigateurs(2)


def test_an_edit_from_an_older_page_keeps_what_was_saved_since(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    autre_quartier = QuartierFactory(contrat=action.porteur.contrat)
    url = url_modifier(action)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    seconde.update(description=["Lecture, puis un goûter."], quartiers=[str(autre_quartier.pk)])
    assert dominique.post(url, seconde).status_code == 302
    premiere["titre"] = ["Club lecture du mercredi"]

    assert camille.post(url, premiere).status_code == 302

    action.refresh_from_db()
    assert (action.titre, action.description) == ("Club lecture du mercredi", "Lecture, puis un goûter.")
    assert list(action.quartiers.all()) == [autre_quartier]
    assert action.version == 2
    assert action.history.first().history_user.get_full_name() == "Camille Martin"


def test_an_edit_of_a_field_changed_since_is_refused_and_kept_when_sent_again(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    url = url_modifier(action)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    premiere.update(titre=["Club lecture"], statut=["realisee"])
    assert camille.post(url, premiere).status_code == 302
    seconde.update(titre=["Atelier lecture"], description=["Une autre description."])

    refus = dominique.post(url, seconde)

    assert refus.status_code == 200
    action.refresh_from_db()
    assert (action.titre, action.description, action.version) == ("Club lecture", "Lecture à voix haute.", 1)
    erreurs = refus.context["form"].errors
    assert erreurs["titre"] == ["Modifié entre-temps par Camille Martin : « Club lecture »."]
    (general,) = erreurs["__all__"]
    assert re.fullmatch(
        f"Camille Martin a enregistré des modifications pendant que vous remplissiez ce formulaire {QUAND} : "
        "titre : « Club lecture » ; statut : « Réalisée ». Rien n’a été enregistré : les champs signalés ont été "
        "modifiés des deux côtés. Vérifiez-les, puis enregistrez de nouveau pour garder vos valeurs.",
        general,
    )
    page = texte(refus)
    assert general in page and "Modifié entre-temps par Camille Martin" in page
    # The page shows Dominique's values, and stands for the version saved now: sent again, it
    # replaces Camille's title knowingly, and leaves her statut alone.
    renvoi = formulaire(refus, "titre")
    assert (renvoi["titre"], renvoi["statut"], renvoi["version"]) == (["Atelier lecture"], ["realisee"], ["1"])
    assert dominique.post(url, renvoi).status_code == 302
    action.refresh_from_db()
    assert (action.titre, action.description, action.statut) == (
        "Atelier lecture",
        "Une autre description.",
        "realisee",
    )


def test_the_refused_form_shows_what_was_saved_since_where_the_user_changed_nothing(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    autre_quartier = QuartierFactory(contrat=action.porteur.contrat)
    url = url_modifier(action)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    premiere.update(
        titre=["Club lecture"], date_fin=["15/06/2026"], public_parents=["on"], quartiers=[str(autre_quartier.pk)]
    )
    assert camille.post(url, premiere).status_code == 302
    seconde.update(titre=["Atelier lecture"], niveaux=["CP"])

    renvoi = formulaire(dominique.post(url, seconde), "titre")

    assert (renvoi["date_fin"], renvoi["public_parents"], renvoi["quartiers"]) == (
        ["15/06/2026"],
        ["on"],
        [str(autre_quartier.pk)],
    )
    assert (renvoi["titre"], renvoi["niveaux"]) == (["Atelier lecture"], ["CP"])
    assert dominique.post(url, renvoi).status_code == 302
    action.refresh_from_db()
    assert (action.titre, action.niveaux, action.date_fin, action.public_parents) == (
        "Atelier lecture",
        ["CP"],
        datetime.date(2026, 6, 15),
        True,
    )
    assert list(action.quartiers.all()) == [autre_quartier]


def test_levels_saved_in_another_order_are_not_a_change(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    services.action_enregistrer(action=action, donnees={"niveaux": ["CE1", "CP"]}, auteur=None)
    url = url_modifier(action)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    # Dominique's form sends the levels in its own order, CP before CE1.
    seconde["titre"] = ["Club lecture"]
    assert dominique.post(url, seconde).status_code == 302
    premiere["niveaux"] = ["CP", "CE1", "CE2"]

    assert camille.post(url, premiere).status_code == 302

    action.refresh_from_db()
    assert (action.titre, action.niveaux) == ("Club lecture", ["CP", "CE1", "CE2"])


def test_a_relation_changed_on_both_sides_is_refused_with_its_new_value(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    quartiers = [QuartierFactory(contrat=action.porteur.contrat, nom=nom) for nom in ("Les Lilas", "Le Mail")]
    url = url_modifier(action)
    premiere, seconde = formulaire(camille.get(url), "titre"), formulaire(dominique.get(url), "titre")
    premiere["quartiers"] = [str(quartiers[0].pk)]
    assert camille.post(url, premiere).status_code == 302
    seconde["quartiers"] = [str(quartiers[1].pk)]

    refus = dominique.post(url, seconde)

    assert refus.context["form"].errors["quartiers"] == [
        f"Modifié entre-temps par Camille Martin : « {quartiers[0]} »."
    ]
    assert list(action.quartiers.all()) == [quartiers[0]]


def test_archiving_records_the_action_as_saved_not_the_older_copy_in_hand():
    action = action_a_modifier()
    ancienne = Action.objects.get(pk=action.pk)
    services.action_enregistrer(action=action, donnees={"titre": "Club lecture"}, auteur=None)

    services.action_archiver(action=ancienne)

    derniere = Action.history.filter(id=action.pk).first()
    assert (derniere.titre, derniere.archivee, derniere.version) == ("Club lecture", True, 2)
    assert Action.objects.get().titre == "Club lecture"


def test_an_edit_without_the_version_of_its_page_is_refused_and_saves_nothing(camille_et_dominique):
    camille, _ = camille_et_dominique
    action = action_a_modifier()
    donnees = formulaire(camille.get(url_modifier(action)), "titre")
    del donnees["version"]
    donnees["titre"] = ["Club lecture"]

    reponse = camille.post(url_modifier(action), donnees)

    assert "Cette page ne dit pas quelle version de la fiche elle modifie : rechargez-la." in texte(reponse)
    assert Action.objects.get().titre == action.titre


@pytest.mark.parametrize("sauvegardes", [2, 20])
def test_saving_from_an_older_page_costs_the_same_queries_however_long_the_history(
    camille_et_dominique, django_assert_num_queries, sauvegardes
):
    camille, dominique = camille_et_dominique
    action = action_a_modifier()
    url = url_modifier(action)
    premiere = formulaire(camille.get(url), "titre")
    for rang in range(sauvegardes):
        seconde = formulaire(dominique.get(url), "titre")
        seconde["description"] = [f"Version {rang}"]
        dominique.post(url, seconde)
    premiere["titre"] = ["Club lecture"]

    with django_assert_num_queries(REQUETES_FUSION):
        assert camille.post(url, premiere).status_code == 302


# An edit from a fresh page costs 39 queries. From an older one, the merge reads the version
# Camille saw (a history row, its four relations) and the four relations as saved now (9 more),
# and no longer reads the quartiers before nor sets the four relations she did not change (5
# fewer), however many saves came between. The closures of the years it runs over: read by the
# page, then locked and read by the service, 3 more.
REQUETES_FUSION = 46


# --- A session: its form and its attendance grid ---------------------------------------------------


def url_seance(seance):
    return f"/actions/seances/{seance.pk}/modifier/"


def url_grille(seance):
    return f"/actions/seances/{seance.pk}/presences/"


def test_a_session_form_and_its_grid_saved_from_older_pages_keep_each_other_s_changes(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action, seance, (a, b) = action_avec_enfants(2)
    fiche = formulaire(camille.get(url_seance(seance)), "lieu")
    grille = formulaire(dominique.get(url_grille(seance)), "parents_presents")
    grille.update(presents=[str(a.pk)], parents_presents=["3"])
    assert dominique.post(url_grille(seance), grille).status_code == 302
    fiche["lieu"] = ["Gymnase"]

    assert camille.post(url_seance(seance), fiche).status_code == 302

    seance.refresh_from_db()
    assert (seance.lieu, seance.parents_presents, seance.version) == ("Gymnase", 3, 2)
    assert set(seance.presences.values_list("participant_id", flat=True)) == {a.pk}


def test_a_grid_whose_headcount_was_changed_since_is_refused_with_the_new_value(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action, seance, (a, b) = action_avec_enfants(2)
    grille = formulaire(dominique.get(url_grille(seance)), "parents_presents")
    # Headcounts are typed in the grid only (the session form has none).
    autre = formulaire(camille.get(url_grille(seance)), "parents_presents")
    autre["parents_presents"] = ["4"]
    assert camille.post(url_grille(seance), autre).status_code == 302
    grille.update(presents=[str(a.pk)], parents_presents=["2"])

    refus = dominique.post(url_grille(seance), grille)

    assert refus.context["form"].errors["parents_presents"] == ["Modifié entre-temps par Camille Martin : « 4 »."]
    page = texte(refus)
    assert "Les présences n’ont pas été enregistrées" in page
    assert "parents présents : « 4 »" in page
    assert not seance.presences.exists()
    renvoi = formulaire(refus, "parents_presents")
    assert renvoi["presents"] == [str(a.pk)], "the refused grid keeps the boxes as they were sent"
    assert dominique.post(url_grille(seance), renvoi).status_code == 302
    seance.refresh_from_db()
    assert seance.parents_presents == 2
    assert set(seance.presences.values_list("participant_id", flat=True)) == {a.pk}


def test_two_grids_from_pages_loaded_together_keep_the_children_each_ticked_or_unticked(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action, seance, (a, b, c) = action_avec_enfants(3)
    PresenceFactory(seance=seance, participant=c)
    premiere = formulaire(camille.get(url_grille(seance)), "parents_presents")
    seconde = formulaire(dominique.get(url_grille(seance)), "parents_presents")
    premiere["presents"] = [str(a.pk), str(c.pk)]
    seconde["presents"] = [str(b.pk)]

    assert [camille.post(url_grille(seance), premiere).status_code] == [302]
    assert [dominique.post(url_grille(seance), seconde).status_code] == [302]

    assert set(seance.presences.values_list("participant_id", flat=True)) == {a.pk, b.pk}
    raison = seance.history.first().history_change_reason
    assert raison == f"Présences – présent : {b.code}, absent : {c.code}"


def test_a_grid_does_not_untick_a_child_it_did_not_show(camille_et_dominique):
    camille, _ = camille_et_dominique
    action, seance, (a, b) = action_avec_enfants(2)
    PresenceFactory(seance=seance, participant=b)
    # B came, then left the action: the grid no longer lists B, the presence stays.
    Inscription.objects.filter(participant=b).delete()
    grille = formulaire(camille.get(url_grille(seance)), "parents_presents")
    grille["presents"] = [str(a.pk)]

    assert camille.post(url_grille(seance), grille).status_code == 302

    assert set(seance.presences.values_list("participant_id", flat=True)) == {a.pk, b.pk}


# --- Enrolment -------------------------------------------------------------------------------------


def test_a_child_enrolled_since_the_page_was_loaded_is_answered_already_enrolled(camille_et_dominique):
    camille, dominique = camille_et_dominique
    action = ActionFactory()
    a, b = (ParticipantFactory(structure=action.porteur) for _ in range(2))
    url = f"/actions/{action.pk}/inscriptions/"
    premiere, seconde = (
        formulaire(camille.get(url), "date_inscription"),
        formulaire(dominique.get(url), "date_inscription"),
    )
    premiere["participants"] = [str(a.pk)]
    assert camille.post(url, premiere).status_code == 302
    seconde["participants"] = [str(a.pk), str(b.pk)]

    reponse = dominique.post(url, seconde, follow=True)

    assert f"1 enfant(s) inscrit(s). Déjà inscrit(s) à cette action : {a.code}." in texte(reponse)
    assert Inscription.objects.filter(action=action).count() == 2
    seconde["participants"] = [str(a.pk)]
    assert f"Déjà inscrit(s) à cette action : {a.code}." in texte(dominique.post(url, seconde, follow=True))
    assert Inscription.objects.filter(action=action).count() == 2
