"""The pages that cancel, restore and delete sessions and actions, and the session form's warning
on a day without school, through the browser's requests."""

import datetime

import pytest

from actions.enums import StatutAction
from actions.models import Action, Seance
from fiches.models import Contrat
from fiches.tests.test_pages import REQUETES_DE_SESSION

from .factories import ActionFactory, InscriptionFactory, PresenceFactory, SeanceFactory, action_avec_enfants
from .test_vues import (
    TABLE_SEANCES,
    ajouter_seance,
    donnees_action,
    donnees_seance,
    erreurs,
    html_de,
    ligne,
    url_detail,
    voisine,
)

pytestmark = pytest.mark.django_db


def version_de(objet):
    """The version a page loaded now would send back (actions.versions)."""
    return type(objet).objects.values_list("version", flat=True).get(pk=objet.pk)


def url(nom, objet):
    chemins = {
        "annuler": "/actions/{}/annuler/",
        "supprimer": "/actions/{}/supprimer/",
        "modifier_seance": "/actions/seances/{}/modifier/",
        "annuler_seance": "/actions/seances/{}/annuler/",
        "retablir_seance": "/actions/seances/{}/retablir/",
        "supprimer_seance": "/actions/seances/{}/supprimer/",
    }
    return chemins[nom].format(objet.pk)


def zone(action, valeur):
    Contrat.objects.filter(pk=action.porteur.contrat_id).update(zone_scolaire=valeur)


# --- Sessions ----------------------------------------------------------------------------------------


def test_a_session_is_cancelled_from_its_form_with_a_reason_after_a_confirmation(client_connecte, utilisateur):
    action, seance, enfants = action_avec_enfants(2)
    PresenceFactory(seance=seance, participant=enfants[0])
    formulaire = html_de(client_connecte.get(url("modifier_seance", seance)))
    assert f'href="{url("annuler_seance", seance)}">Annuler la séance</a>' in formulaire
    confirmation = html_de(client_connecte.get(url("annuler_seance", seance)))
    assert "Sa grille compte 1 présence d’enfant inscrit : ces présences ne compteront plus." in confirmation
    assert Seance.objects.get().annulee_le is None, "a GET changes nothing"

    reponse = client_connecte.post(url("annuler_seance", seance), {"motif": "Intervenant malade"})

    assert reponse.url == url_detail(action)
    seance.refresh_from_db()
    assert seance.motif_annulation == "Intervenant malade"
    assert seance.history.first().history_user == utilisateur
    html = html_de(client_connecte.get(reponse.url))
    assert "La séance du 01/10/2025 est annulée" in html
    assert ligne(html, TABLE_SEANCES, "01/10/2025")[3] == "Annulée (Intervenant malade)"


def test_cancelling_without_a_reason_is_refused_next_to_the_field(client_connecte):
    _, seance, _ = action_avec_enfants(1)
    reponse = client_connecte.post(url("annuler_seance", seance), {"motif": ""})
    assert erreurs(reponse, "motif") == ["Indiquez le motif de l’annulation."]
    assert "L’annulation n’a pas été enregistrée" in html_de(reponse)
    assert Seance.objects.get().annulee_le is None


def test_a_cancelled_session_is_restored_by_a_post_from_its_form(client_connecte):
    action, seance, _ = action_avec_enfants(1)
    client_connecte.post(url("annuler_seance", seance), {"motif": "Grève"})
    formulaire = html_de(client_connecte.get(url("modifier_seance", seance)))
    assert "Grève. Elle ne compte dans aucun tableau de bord." in formulaire
    assert "Rétablir la séance" in formulaire and "Annuler la séance</a>" not in formulaire
    grille = html_de(client_connecte.get(seance.get_absolute_url()))
    assert "Cette séance est annulée (Grève)" in grille and "<fieldset disabled>" in grille
    assert client_connecte.get(url("retablir_seance", seance)).status_code == 405

    reponse = client_connecte.post(url("retablir_seance", seance))

    assert reponse.url == url_detail(action) and Seance.objects.get().annulee_le is None
    assert "La séance du 01/10/2025 est rétablie." in html_de(client_connecte.get(reponse.url))


def test_a_session_nobody_attended_is_deleted_after_a_confirmation(client_connecte):
    action = ActionFactory()
    seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), a_saisir=True)
    assert "Personne n’est noté présent à cette séance." in html_de(
        client_connecte.get(url("supprimer_seance", seance))
    )
    reponse = client_connecte.post(url("supprimer_seance", seance))
    assert reponse.url == url_detail(action) and not Seance.objects.exists()
    assert "La séance du 08/10/2025 est supprimée." in html_de(client_connecte.get(reponse.url))


def test_deleting_an_attended_session_is_refused_and_the_page_says_why(client_connecte):
    _, seance, enfants = action_avec_enfants(2)
    PresenceFactory(seance=seance, participant=enfants[0])
    page = html_de(client_connecte.get(url("supprimer_seance", seance)))
    assert "ne peut pas être supprimée : sa grille compte 1 présence d’enfant inscrit" in page
    assert 'type="submit">Supprimer la séance' not in page
    # Posted anyway (another tab, an old page): refused, said, nothing deleted.
    reponse = client_connecte.post(url("supprimer_seance", seance))
    assert reponse.status_code == 200 and 'role="alert">Cette séance ne peut pas être supprimée' in html_de(reponse)
    assert Seance.objects.filter(pk=seance.pk).exists()


def test_a_second_session_the_same_day_is_refused_in_the_form(client_connecte):
    action = ActionFactory()
    ajouter_seance(client_connecte, action)
    reponse = ajouter_seance(client_connecte, action)
    assert erreurs(reponse, "date") == [
        "Cette action a déjà une séance le 08/10/2025 sans heure de début. Pour deux séances le même jour, donnez "
        "à chacune son heure de début, différente de l’autre."
    ]
    assert action.seances.count() == 1


def test_a_held_session_cannot_be_moved_into_the_future_from_its_form(client_connecte):
    action, seance, _ = action_avec_enfants(1, date_fin=datetime.date(2099, 6, 30))
    reponse = client_connecte.post(
        url("modifier_seance", seance), donnees_seance(date="06/01/2099", version=version_de(seance))
    )
    assert erreurs(reponse, "date") == [
        "La grille de présences du 01/10/2025 est enregistrée : la séance a eu lieu et ne peut pas être déplacée "
        "à une date à venir."
    ]


@pytest.mark.parametrize(
    ("zone_du_contrat", "jour", "motif"),
    [
        ("C", "22/10/2025", "Vacances de la Toussaint (zone C)"),
        ("", "11/11/2025", "Armistice (jour férié)"),
    ],
    ids=["school-holidays", "public-holiday-without-zone"],
)
def test_a_session_on_a_day_without_school_asks_to_confirm_then_is_allowed(
    client_connecte, zone_du_contrat, jour, motif
):
    action = ActionFactory()
    zone(action, zone_du_contrat)
    assert "Je confirme" not in html_de(client_connecte.get(f"/actions/{action.pk}/seances/ajouter/"))

    reponse = ajouter_seance(client_connecte, action, date=jour)

    assert erreurs(reponse, "confirmer_jour_non_ouvre") == [
        f"Le {jour} n’est pas un jour d’école : {motif}. Si la séance a bien lieu ce jour-là (un accueil pendant "
        "les vacances, par exemple), cochez cette case et enregistrez de nouveau."
    ]
    html = html_de(reponse)
    assert 'name="confirmer_jour_non_ouvre"' in html and 'aria-describedby="' in html
    assert not Seance.objects.exists()
    reponse = ajouter_seance(client_connecte, action, date=jour, confirmer_jour_non_ouvre="on")
    assert reponse.status_code == 302 and Seance.objects.count() == 1


def test_a_school_day_or_an_unchanged_date_needs_no_confirmation(client_connecte):
    action = ActionFactory()
    zone(action, "C")
    assert ajouter_seance(client_connecte, action, date="15/10/2025").status_code == 302
    seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 22))
    reponse = client_connecte.post(
        url("modifier_seance", seance), donnees_seance(date="22/10/2025", lieu="Parc", version=version_de(seance))
    )
    assert reponse.status_code == 302 and Seance.objects.get(pk=seance.pk).lieu == "Parc"


# --- Actions -----------------------------------------------------------------------------------------


def test_an_action_is_cancelled_from_its_page_with_a_reason(client_connecte):
    action = ActionFactory()
    assert f'href="{url("annuler", action)}">Annuler l’action</a>' in html_de(client_connecte.get(url_detail(action)))
    assert "Motif de l’annulation" in html_de(client_connecte.get(url("annuler", action)))
    assert erreurs(client_connecte.post(url("annuler", action), {"motif": ""}), "motif")

    reponse = client_connecte.post(url("annuler", action), {"motif": "Subvention refusée"})

    assert reponse.url == url_detail(action)
    html = html_de(client_connecte.get(reponse.url))
    assert "Action annulée : Subvention refusée. Elle ne compte dans aucun tableau de bord." in html
    assert "Annuler l’action</a>" not in html
    assert Action.objects.get().statut == StatutAction.ANNULEE


def test_the_action_form_cancels_nothing_without_a_reason_but_restores(client_connecte):
    action = ActionFactory()
    formulaire = html_de(client_connecte.get(f"/actions/{action.pk}/modifier/"))
    assert 'value="annulee"' not in formulaire and "utilisez le bouton « Annuler l’action »" in formulaire
    donnees = donnees_action(action, statut="annulee", version=version_de(action))
    assert erreurs(client_connecte.post(f"/actions/{action.pk}/modifier/", donnees), "statut")
    client_connecte.post(url("annuler", action), {"motif": "Reportée"})
    formulaire = html_de(client_connecte.get(f"/actions/{action.pk}/modifier/"))
    assert "Choisir un autre statut rétablit l’action." in formulaire
    client_connecte.post(
        f"/actions/{action.pk}/modifier/", {**donnees, "statut": StatutAction.EN_COURS, "version": version_de(action)}
    )
    action.refresh_from_db()
    assert (action.statut, action.motif_annulation) == (StatutAction.EN_COURS, "")


def test_an_action_nobody_attended_is_deleted_after_a_confirmation(client_connecte):
    action = ActionFactory(titre="Saisie en double")
    SeanceFactory(action=action, a_saisir=True)
    InscriptionFactory(action=action)
    page = html_de(client_connecte.get(url("supprimer", action)))
    assert "ses séances, ses inscriptions et ses financements seront supprimés" in page
    reponse = client_connecte.post(url("supprimer", action))
    assert reponse.url == "/actions/" and not Action.objects.exists()
    assert "L’action « Saisie en double » est supprimée." in html_de(client_connecte.get(reponse.url))


def test_deleting_an_attended_action_is_refused_and_the_page_says_why(client_connecte):
    action, seance, enfants = action_avec_enfants(1)
    PresenceFactory(seance=seance, participant=enfants[0])
    page = html_de(client_connecte.get(url("supprimer", action)))
    assert "ne peut pas être supprimée : ses séances comptent 1 présence d’enfant inscrit" in page
    assert 'type="submit">Supprimer l’action' not in page
    assert client_connecte.post(url("supprimer", action)).status_code == 200
    assert Action.objects.filter(pk=action.pk).exists()


def test_the_action_s_new_dates_cannot_leave_out_its_sessions(client_connecte):
    action = ActionFactory()
    SeanceFactory(action=action, date=datetime.date(2025, 9, 17))
    SeanceFactory(action=action, date=datetime.date(2025, 9, 24))
    reponse = client_connecte.post(
        f"/actions/{action.pk}/modifier/",
        donnees_action(action, date_debut="01/10/2025", date_fin="30/06/2026", version=version_de(action)),
    )
    assert erreurs(reponse, "date_debut") == [
        "L’action a des séances avant le 01/10/2025 : 17/09/2025 et 24/09/2025. Déplacez-les ou supprimez-les "
        "d’abord, ou gardez une date de début qui les contient."
    ]
    assert Action.objects.get().date_debut == datetime.date(2025, 9, 15)


# --- What each new page costs ------------------------------------------------------------------------


def _grossir(action, fois):
    for _ in range(fois):
        enfant = InscriptionFactory(action=action).participant
        seance = SeanceFactory(
            action=action, date=datetime.date(2025, 10, 1) + datetime.timedelta(weeks=action.seances.count())
        )
        PresenceFactory(seance=seance, participant=enfant)


# Beyond the session and the user: the page's object (action with what its page shows, or
# session with its action) and, on the deletion pages, what the grids hold (two counts).
REQUETES = {
    "annuler": REQUETES_DE_SESSION + 5,
    "supprimer": REQUETES_DE_SESSION + 5 + 2,
    "annuler_seance": REQUETES_DE_SESSION + 1 + 2,
    "supprimer_seance": REQUETES_DE_SESSION + 1 + 2,
    "modifier_seance": REQUETES_DE_SESSION + 2,
}


@pytest.mark.parametrize("nom", REQUETES)
def test_the_new_pages_cost_the_same_queries_as_the_data_grows(client_connecte, nom, django_assert_num_queries):
    action, seance, enfants = action_avec_enfants(1)
    PresenceFactory(seance=seance, participant=enfants[0])
    adresse = url(nom, seance if "seance" in nom else action)
    with django_assert_num_queries(REQUETES[nom]):
        assert client_connecte.get(adresse).status_code == 200
    _grossir(action, 10)
    with django_assert_num_queries(REQUETES[nom]):
        assert client_connecte.get(adresse).status_code == 200


def test_a_series_result_costs_the_same_queries_for_3_or_20_sessions(client_connecte, django_assert_num_queries):
    premiere = ActionFactory()
    zone(premiere, "C")
    for action, fin, nombre in [(premiere, "31/10/2025", 3), (voisine(premiere), "31/03/2026", 20)]:
        # The action of the page; then the lock, the zone, the dates taken, the sessions and
        # their history, the children counted, the yearly sums and the sums per day (the old
        # ones by counter, delete, the action's quartiers, the new sums, insert, add to the
        # counters), in savepoints.
        with django_assert_num_queries(REQUETES_DE_SESSION + 5 + 11 + 6):
            reponse = client_connecte.post(
                f"/actions/{action.pk}/seances/serie/",
                {"date_debut": "01/10/2025", "date_fin": fin, "jours": [2], "duree_minutes": 90},
            )
        assert f"{nombre} séances ajoutées" in html_de(reponse)
