"""A closed school year: every write that would change its figures is refused by the services,
in French, naming the closure, and nothing is half-saved; what changes no figure of it (an
action's title, the part of an action that runs on in an open year) is still written. Reopened
by an administrator, with a reason kept in the history, the year takes writes again; closed
again, it refuses them again."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from dossiers.services import annee_cloturer
from fiches.models import ClotureAnnee, Thematique
from fiches.services import annee_rouvrir
from fiches.tests.factories import QuartierFactory

from .. import services
from ..enums import Sexe, StatutAction
from ..models import Action, EffectifAnnuel, Financement, Inscription, Participant, Presence, Seance
from .factories import (
    ActionFactory,
    FinancementFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
    action_avec_enfants,
)
from .navigateur import formulaire, texte
from .test_resumes import coherent

pytestmark = pytest.mark.django_db

# The factories' actions run in 2025-2026, finished on 31/08/2026.
FERMEE = 2025
APRES_LA_FIN = datetime.date(2026, 9, 12)


def cloturer(contrat):
    chef, _ = get_user_model().objects.get_or_create(
        username="chef", defaults={"first_name": "Camille", "last_name": "Martin"}
    )
    return annee_cloturer(contrat=contrat, annee=FERMEE, auteur=chef, aujourdhui=APRES_LA_FIN)


def refuse(ecriture, *, objet):
    """The write is refused with the sentence naming the closure; returns the message."""
    with pytest.raises(ValidationError) as refus:
        ecriture()
    message = " ".join(refus.value.messages)
    assert re.fullmatch(
        rf"L’année scolaire 2025-2026 est clôturée depuis le \d\d/\d\d/\d{{4}} par Camille Martin : {objet}\.", message
    ), message
    return message


@pytest.fixture
def grille():
    """An action of 2025-2026 with two children enrolled, one session whose grid notes the first."""
    action, seance, enfants = action_avec_enfants(2)
    PresenceFactory(seance=seance, participant=enfants[0])
    cloturer(action.porteur.contrat)
    return action, seance, enfants


def test_a_grid_of_a_closed_year_is_refused_and_nothing_changes(grille):
    action, seance, (venu, autre) = grille
    avant = Seance.objects.values_list("version", "saisie_le", "nb_presents", "parents_presents").get(pk=seance.pk)
    effectifs = list(EffectifAnnuel.objects.order_by("pk").values_list("nb_enfants", "nb_presences"))

    refuse(
        lambda: services.presences_enregistrer(
            seance=seance, presents=[venu.pk, autre.pk], enfants_anonymes=0, parents_presents=3
        ),
        objet="les présences de la séance du 01/10/2025 ne peuvent plus être modifiées",
    )

    assert set(seance.presences.values_list("participant_id", flat=True)) == {venu.pk}
    assert Seance.objects.values_list("version", "saisie_le", "nb_presents", "parents_presents").get(pk=seance.pk) == (
        avant
    )
    assert list(EffectifAnnuel.objects.order_by("pk").values_list("nb_enfants", "nb_presences")) == effectifs
    assert coherent()


def test_a_month_grid_of_a_closed_year_is_refused_whole_naming_its_sessions(grille):
    action, seance, (venu, autre) = grille
    seconde = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), saisie_le=None)
    grilles = {
        s.pk: {"presents": [venu.pk, autre.pk], "enfants_anonymes": 0, "parents_presents": 0} for s in (seance, seconde)
    }

    refuse(
        lambda: services.presences_du_mois_enregistrer(action=action, grilles=grilles),
        objet="les présences des séances du 01/10/2025 et 08/10/2025 ne peuvent plus être modifiées",
    )

    assert set(Presence.objects.filter(seance__action=action).values_list("seance_id", "participant_id")) == {
        (seance.pk, venu.pk)
    }
    assert Seance.objects.get(pk=seconde.pk).saisie_le is None
    assert coherent()


def test_sessions_of_a_closed_year_are_neither_added_changed_cancelled_restored_nor_deleted(grille):
    action, seance, _ = grille
    vide = SeanceFactory(action=action, date=datetime.date(2025, 11, 5))
    annulee = SeanceFactory(
        action=action, date=datetime.date(2025, 11, 12), annulee_le=datetime.datetime.now(datetime.UTC)
    )
    nombre = Seance.objects.count()

    refuse(
        lambda: services.seance_enregistrer(action=action, donnees={"date": datetime.date(2025, 12, 3)}),
        objet="aucune séance ne peut plus y être ajoutée",
    )
    refuse(
        lambda: services.seance_enregistrer(action=action, seance=vide, donnees={"lieu": "Gymnase"}),
        objet="la séance du 05/11/2025 ne peut plus être modifiée",
    )
    refuse(
        lambda: services.seance_annuler(seance=vide, motif="Pluie"),
        objet="la séance du 05/11/2025 ne peut plus être annulée",
    )
    refuse(lambda: services.seance_retablir(seance=annulee), objet="la séance du 12/11/2025 ne peut plus être rétablie")
    refuse(lambda: services.seance_supprimer(seance=vide), objet="la séance du 05/11/2025 ne peut plus être supprimée")
    refuse(
        lambda: services.seances_creer_en_serie(
            action=action,
            date_debut=datetime.date(2026, 1, 5),
            date_fin=datetime.date(2026, 2, 27),
            jours=[2],
            auteur=None,
        ),
        objet="aucune séance ne peut plus y être ajoutée ; choisissez des dates dans une année ouverte",
    )

    assert Seance.objects.count() == nombre
    assert Seance.objects.values_list("lieu", "annulee_le").get(pk=vide.pk) == ("", None)
    assert Seance.objects.get(pk=annulee.pk).annulee_le is not None


def test_a_session_of_an_open_year_cannot_move_into_the_closed_one():
    action = ActionFactory(date_debut=datetime.date(2025, 9, 15), date_fin=datetime.date(2027, 6, 30))
    seance = SeanceFactory(action=action, date=datetime.date(2026, 10, 7))
    cloturer(action.porteur.contrat)

    refuse(
        lambda: services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2026, 6, 3)}),
        objet="la séance du 07/10/2026 ne peut plus être modifiée",
    )
    services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2026, 10, 14)})

    assert Seance.objects.get(pk=seance.pk).date == datetime.date(2026, 10, 14)


def test_enrolments_of_a_closed_year_are_neither_added_nor_removed(grille):
    action, _, (venu, _autre) = grille
    nouveau = ParticipantFactory(structure=action.porteur)

    refuse(
        lambda: services.participants_inscrire(
            action=action, participants=[nouveau], date_inscription=datetime.date(2026, 3, 2), auteur=None
        ),
        objet="aucun enfant ne peut plus y être inscrit ; choisissez une date d’inscription dans une année ouverte",
    )
    inscription = Inscription.objects.get(action=action, participant=venu)
    refuse(
        lambda: services.inscription_supprimer(inscription=inscription),
        objet=f"l’inscription de {venu.code} ne peut plus être supprimée",
    )

    assert Inscription.objects.filter(action=action).count() == 2


def test_an_action_of_a_closed_year_keeps_its_figures_but_not_its_title(grille):
    action, _, _ = grille
    modification = "cette modification de l’action changerait ses chiffres et ne peut plus être enregistrée"

    refuse(
        lambda: services.action_enregistrer(action=action, donnees={"statut": StatutAction.REALISEE}, auteur=None),
        objet=modification,
    )
    refuse(
        lambda: services.action_enregistrer(
            action=action, donnees={"quartiers": [QuartierFactory(contrat=action.porteur.contrat)]}, auteur=None
        ),
        objet=modification,
    )
    refuse(
        lambda: services.action_annuler(action=action, motif="Erreur"), objet="cette action ne peut plus être annulée"
    )
    refuse(lambda: services.action_supprimer(action=action), objet="cette action ne peut plus être supprimée")
    refuse(
        lambda: services.action_enregistrer(
            donnees={
                "realisation": action.realisation,
                "titre": "Nouvelle",
                "porteur": action.porteur,
                "date_debut": datetime.date(2026, 1, 5),
                "date_fin": datetime.date(2026, 10, 30),
                "quartiers": list(action.quartiers.all()),
                "thematiques": [],
            },
            auteur=None,
        ),
        objet="aucune action ne peut plus y être ajoutée",
    )
    assert Action.objects.values_list("statut", flat=True).get(pk=action.pk) == StatutAction.EN_COURS
    assert Action.objects.count() == 1

    services.action_enregistrer(
        action=action, donnees={"titre": "Club lecture", "description": "Le mercredi."}, auteur=None
    )
    services.action_archiver(action=action)
    assert Action.objects.values_list("titre", "archivee").get(pk=action.pk) == ("Club lecture", True)


def test_an_action_running_on_into_an_open_year_changes_only_there():
    action = ActionFactory(date_debut=datetime.date(2025, 9, 15), date_fin=datetime.date(2027, 6, 30))
    cloturer(action.porteur.contrat)
    modification = "cette modification de l’action changerait ses chiffres et ne peut plus être enregistrée"

    # Its end moves within the open year: its closed part is untouched.
    services.action_enregistrer(action=action, donnees={"date_fin": datetime.date(2027, 5, 31)}, auteur=None)
    # Its start, in the closed year, or an end moved back into it, would change it.
    refuse(
        lambda: services.action_enregistrer(
            action=action, donnees={"date_debut": datetime.date(2025, 10, 1)}, auteur=None
        ),
        objet=modification,
    )
    refuse(
        lambda: services.action_enregistrer(
            action=action, donnees={"date_fin": datetime.date(2026, 6, 30)}, auteur=None
        ),
        objet=modification,
    )
    # Anything that counts in every year it runs over, too.
    refuse(
        lambda: services.action_enregistrer(action=action, donnees={"public_parents": True}, auteur=None),
        objet=modification,
    )

    assert Action.objects.values_list("date_debut", "date_fin", "public_parents").get(pk=action.pk) == (
        datetime.date(2025, 9, 15),
        datetime.date(2027, 5, 31),
        False,
    )


def test_funding_of_the_closed_year_s_budget_year_is_final(grille):
    action, _, _ = grille
    financement = FinancementFactory(action=action, annee=2026)
    donnees = {
        "source": financement.source,
        "annee": 2026,
        "montant_demande": 1,
        "montant_accorde": 1,
        "montant_verse": 0,
    }

    refuse(
        lambda: services.financement_enregistrer(action=action, donnees=donnees),
        objet="ses financements ne peuvent plus être modifiés",
    )
    refuse(
        lambda: services.financement_enregistrer(
            action=action, financement=financement, donnees={**donnees, "annee": 2027}
        ),
        objet="ses financements ne peuvent plus être modifiés",
    )
    refuse(
        lambda: services.financement_supprimer(financement=financement),
        objet="ses financements ne peuvent plus être supprimés",
    )
    # The budget year 2027 is that of 2026-2027, open.
    services.financement_enregistrer(action=action, donnees={**donnees, "annee": 2027})

    assert sorted(Financement.objects.values_list("annee", "montant_demande")) == [(2026, 5000), (2027, 1)]


def test_a_child_counted_in_the_closed_year_keeps_what_its_figures_read(grille):
    action, _, (venu, autre) = grille
    changement = "ce changement de la fiche de l’enfant changerait ses chiffres et ne peut plus être enregistré"
    sexe = Sexe.FILLE if venu.sexe != Sexe.FILLE else Sexe.GARCON

    refuse(lambda: services.participant_enregistrer(participant=venu, donnees={"sexe": sexe}), objet=changement)
    refuse(
        lambda: services.participant_enregistrer(
            participant=autre, donnees={"date_consentement": datetime.date(2025, 10, 15)}
        ),
        objet=changement,
    )
    refuse(
        lambda: services.participant_supprimer(participant=venu),
        objet="cet enfant y est compté et ne peut plus être supprimé",
    )
    # Its school changes no figure.
    services.participant_enregistrer(participant=venu, donnees={"etablissement": None})

    assert Participant.objects.get(pk=venu.pk).sexe == venu.sexe
    assert Participant.objects.get(pk=autre.pk).date_consentement == datetime.date(2025, 9, 1)
    assert Presence.objects.filter(participant=venu).exists()


def test_an_open_year_beside_a_closed_one_takes_every_write():
    action, seance, (enfant,) = action_avec_enfants(1)
    ClotureAnnee.objects.create(
        contrat=action.porteur.contrat, annee_scolaire=2024, cloturee_le=datetime.datetime.now(datetime.UTC)
    )

    services.presences_enregistrer(seance=seance, presents=[enfant.pk], enfants_anonymes=0, parents_presents=0)

    assert seance.presences.count() == 1


def test_a_year_reopened_with_a_reason_takes_writes_and_closes_again(grille):
    action, seance, (venu, autre) = grille
    admin = get_user_model().objects.create_user(username="admin", first_name="Dominique", last_name="Bernard")
    cloture = ClotureAnnee.objects.get()

    with pytest.raises(ValidationError) as sans_motif:
        annee_rouvrir(cloture=cloture, motif="  ", auteur=admin)
    assert sans_motif.value.message_dict == {"motif_reouverture": ["Indiquez pourquoi l’année est rouverte."]}
    annee_rouvrir(cloture=cloture, motif="Grille du 01/10 oubliée par le centre social", auteur=admin)
    services.presences_enregistrer(seance=seance, presents=[venu.pk, autre.pk], enfants_anonymes=0, parents_presents=0)
    assert seance.presences.count() == 2
    assert coherent()

    cloturer(action.porteur.contrat)
    refuse(
        lambda: services.presences_enregistrer(seance=seance, presents=[], enfants_anonymes=0, parents_presents=0),
        objet="les présences de la séance du 01/10/2025 ne peuvent plus être modifiées",
    )
    historique = list(
        cloture.history.order_by("history_date").values_list(
            "cloturee", "history_change_reason", "history_user__username"
        )
    )
    assert historique == [
        (True, "Année clôturée", None),
        (False, "Année rouverte : Grille du 01/10 oubliée par le centre social", "admin"),
        (True, "Année clôturée", None),
    ]
    assert ClotureAnnee.objects.get().cloturee_par.username == "chef"


def test_a_year_is_closed_once_it_is_over_and_once_only():
    action = ActionFactory()
    chef = get_user_model().objects.create_user(username="chef", first_name="Camille", last_name="Martin")

    with pytest.raises(ValidationError) as pas_finie:
        annee_cloturer(contrat=action.porteur.contrat, annee=FERMEE, auteur=chef, aujourdhui=datetime.date(2026, 8, 31))
    assert pas_finie.value.messages == [
        "L’année scolaire 2025-2026 n’est pas terminée : elle pourra être clôturée à partir du 01/09/2026."
    ]
    assert not ClotureAnnee.objects.exists()

    annee_cloturer(contrat=action.porteur.contrat, annee=FERMEE, auteur=chef, aujourdhui=datetime.date(2026, 9, 1))
    with pytest.raises(
        ValidationError, match="L’année scolaire 2025-2026 est clôturée depuis le .* par Camille Martin"
    ):
        annee_cloturer(contrat=action.porteur.contrat, annee=FERMEE, auteur=chef, aujourdhui=APRES_LA_FIN)
    assert ClotureAnnee.objects.count() == 1


class TestPages:
    """The pages of a closed year's records say so: a banner on the action's page, the closure
    instead of a form that the services would refuse."""

    BANDEAU = "Année clôturée : chiffres définitifs."

    def test_the_action_page_marks_its_closed_year_final(self, client_connecte):
        action = ActionFactory(date_debut=datetime.date(2025, 9, 15), date_fin=datetime.date(2027, 6, 30))
        action.thematiques.add(Thematique.objects.create(code="lecture", libelle="Lecture"))
        page = client_connecte.get(action.get_absolute_url()).content.decode()
        assert self.BANDEAU not in page
        cloturer(action.porteur.contrat)

        page = client_connecte.get(action.get_absolute_url()).content.decode()

        assert self.BANDEAU in page and "L’année scolaire 2025-2026 est clôturée depuis le" in page
        # Running on into an open year, its form stays, with the banner, and saves what changes
        # only the open year.
        url = f"/actions/{action.pk}/modifier/"
        page = client_connecte.get(url)
        assert self.BANDEAU in page.content.decode() and 'name="titre"' in page.content.decode()
        donnees = formulaire(page, "titre")
        donnees["date_fin"] = ["31/05/2027"]
        assert client_connecte.post(url, donnees).status_code == 302
        donnees = formulaire(client_connecte.get(url), "titre")
        donnees["date_debut"] = ["01/10/2025"]
        refus = client_connecte.post(url, donnees)
        assert "L’année scolaire 2025-2026 est clôturée depuis le" in texte(refus)
        action.refresh_from_db()
        assert (action.date_debut, action.date_fin) == (datetime.date(2025, 9, 15), datetime.date(2027, 5, 31))

    def test_the_forms_of_a_closed_year_s_session_and_action_say_so_instead(self, client_connecte, grille):
        action, seance, (venu, autre) = grille
        financement = FinancementFactory(action=action, annee=2026)
        for url in (
            f"/actions/seances/{seance.pk}/presences/",
            f"/actions/{action.pk}/presences/?mois={seance.date:%Y-%m}",
            f"/actions/seances/{seance.pk}/modifier/",
            f"/actions/seances/{seance.pk}/annuler/",
            f"/actions/seances/{seance.pk}/supprimer/",
            f"/actions/{action.pk}/modifier/",
            f"/actions/{action.pk}/seances/ajouter/",
            f"/actions/{action.pk}/seances/serie/",
            f"/actions/{action.pk}/inscriptions/",
            f"/actions/financements/{financement.pk}/modifier/",
            f"/actions/financements/{financement.pk}/supprimer/",
        ):
            page = client_connecte.get(url).content.decode()
            assert self.BANDEAU in page and "Rouvrir" not in page, url
            assert "demandez à un administrateur de rouvrir l’année" in page, url
            assert 'name="version"' not in page and 'name="motif"' not in page, url
        client_connecte.post(f"/actions/seances/{seance.pk}/presences/", {"presents": [venu.pk, autre.pk]})
        assert seance.presences.count() == 1

    def test_restoring_a_session_or_deleting_funding_of_a_closed_year_is_refused_with_a_message(
        self, client_connecte, grille
    ):
        action, seance, _ = grille
        financement = FinancementFactory(action=action, annee=2026)
        Seance.objects.filter(pk=seance.pk).update(annulee_le=datetime.datetime.now(datetime.UTC))

        for url in (f"/actions/seances/{seance.pk}/retablir/", f"/actions/financements/{financement.pk}/supprimer/"):
            reponse = client_connecte.post(url, follow=True)
            assert "L’année scolaire 2025-2026 est clôturée depuis le" in reponse.content.decode(), url

        assert Seance.objects.get(pk=seance.pk).annulee_le is not None
        assert Financement.objects.filter(pk=financement.pk).exists()
        # The funding of an open budget year is still deleted from the same page.
        ouverte = FinancementFactory(action=action, annee=2027)
        client_connecte.post(f"/actions/financements/{ouverte.pk}/supprimer/")
        assert not Financement.objects.filter(pk=ouverte.pk).exists()


def test_a_funding_line_of_the_budget_year_of_a_closing_is_open_for_an_action_begun_after_it():
    """A line of 2026 is of 2026-2027 for an action begun in September 2026."""
    action = ActionFactory(date_debut=datetime.date(2026, 9, 14), date_fin=datetime.date(2027, 6, 30))
    cloturer(action.porteur.contrat)
    financement = FinancementFactory(action=action, annee=2026)

    services.financement_supprimer(financement=financement)

    assert not Financement.objects.exists()
