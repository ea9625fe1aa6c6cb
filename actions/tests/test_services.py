import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from actions import services
from actions.models import Action, Financement, Inscription, Participant, Presence, Seance
from fiches.models import Thematique
from fiches.tests.factories import QuartierFactory
from partenaires.tests.factories import (
    DispositifFactory,
    EtablissementFactory,
    PartenaireFactory,
    SourceFinancementFactory,
    StructureFactory,
    TypeStructureFactory,
)

from .factories import (
    ActionFactory,
    InscriptionFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
    action_avec_enfants,
)

pytestmark = pytest.mark.django_db

MERCREDI = 2


def donnees_d_action(**modifications):
    action = ActionFactory.build()
    porteur = StructureFactory()
    realisation = ActionFactory().realisation
    donnees = {
        "realisation": realisation,
        "titre": "Club lecture",
        "description": "",
        "porteur": porteur,
        "dispositif": None,
        "autres_lieux": "",
        "niveaux": ["CP", "CE1"],
        "public_parents": False,
        "date_debut": action.date_debut,
        "date_fin": action.date_fin,
        "statut": "prevue",
        "thematiques": [Thematique.objects.create(code="culture", libelle="Culture")],
        "partenaires": [],
        "quartiers": [QuartierFactory()],
        "etablissements": [],
    }
    return {**donnees, **modifications}


class TestAction:
    def test_an_action_is_saved_with_its_relations(self, utilisateur):
        action = services.action_enregistrer(donnees=donnees_d_action(), auteur=utilisateur)
        assert action.cree_par == utilisateur
        assert [t.code for t in action.thematiques.all()] == ["culture"]
        assert action.quartiers.count() == 1
        assert action.history.earliest().history_type == "+"
        # The many-to-many relations are part of the history too.
        assert [t.thematique.code for t in action.history.latest().thematiques.all()] == ["culture"]

    def test_an_end_before_the_start_is_refused_next_to_the_end_date(self, utilisateur):
        donnees = donnees_d_action(date_debut=datetime.date(2026, 3, 1), date_fin=datetime.date(2026, 2, 1))
        with pytest.raises(ValidationError) as erreur:
            services.action_enregistrer(donnees=donnees, auteur=utilisateur)
        assert erreur.value.message_dict["date_fin"] == ["La date de fin précède la date de début."]
        assert not Action.objects.filter(titre="Club lecture").exists()

    def test_a_dispositif_the_fiche_does_not_mobilise_is_refused(self, utilisateur):
        with pytest.raises(ValidationError) as erreur:
            services.action_enregistrer(donnees=donnees_d_action(dispositif=DispositifFactory()), auteur=utilisateur)
        assert "n’est pas parmi ceux que la fiche mobilise" in erreur.value.message_dict["dispositif"][0]

    def test_a_dispositif_of_the_fiche_is_accepted(self, utilisateur):
        donnees = donnees_d_action()
        dispositif = DispositifFactory()
        donnees["realisation"].fiche.dispositifs.add(dispositif)
        action = services.action_enregistrer(donnees={**donnees, "dispositif": dispositif}, auteur=utilisateur)
        assert action.dispositif == dispositif

    def test_an_unknown_school_level_is_refused(self, utilisateur):
        with pytest.raises(ValidationError, match="Niveau scolaire inconnu : CM9"):
            services.action_enregistrer(donnees=donnees_d_action(niveaux=["CM9"]), auteur=utilisateur)

    def test_archiving_keeps_the_action_and_its_history(self):
        action = ActionFactory()
        services.action_archiver(action=action)
        assert Action.objects.non_archivees().count() == 0
        assert Action.objects.get().archivee
        services.action_archiver(action=action, archivee=False)
        assert Action.objects.non_archivees().count() == 1


class TestCaracteresDerives:
    def _derive(self, action):
        return Action.objects.avec_caracteres_derives().get(pk=action.pk)

    def test_a_school_place_with_a_non_school_porteur_is_an_intervention_croisee(self):
        assert self._derive(ActionFactory(croisee=True)).intervention_croisee

    def test_a_school_as_porteur_needs_another_partner(self):
        ecole = StructureFactory(type=TypeStructureFactory(libelle="École", scolaire=True))
        action = ActionFactory(porteur=ecole, realisation__fiche__enjeu__axe__pilier__contrat=ecole.contrat)
        assert not self._derive(action).intervention_croisee
        action.partenaires.add(PartenaireFactory(contrat=ecole.contrat))
        assert self._derive(action).intervention_croisee

    def test_an_action_without_any_school_is_not_croisee(self):
        action = ActionFactory()
        action.partenaires.add(PartenaireFactory(contrat=action.porteur.contrat))
        assert not self._derive(action).intervention_croisee

    def test_parents_are_involved_by_the_public_or_by_a_session(self):
        action = ActionFactory()
        assert not self._derive(action).implique_parents
        SeanceFactory(action=action, parents_presents=3)
        assert self._derive(action).implique_parents
        assert self._derive(ActionFactory(public_parents=True)).implique_parents


class TestFinancement:
    def _donnees(self, action, **montants):
        return {
            "source": SourceFinancementFactory(contrat=action.porteur.contrat, financeur=None),
            "financeur": None,
            "annee": 2025,
            "montant_demande": Decimal("5000"),
            "montant_accorde": Decimal("4000"),
            "montant_verse": Decimal("1000"),
            **montants,
        }

    def test_the_funder_defaults_to_the_source_s_funder(self):
        action = ActionFactory()
        donnees = self._donnees(action)
        donnees["source"].financeur = PartenaireFactory(contrat=action.porteur.contrat)
        financement = services.financement_enregistrer(action=action, donnees=donnees)
        assert financement.financeur == donnees["source"].financeur

    def test_paid_above_granted_is_refused(self):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            services.financement_enregistrer(
                action=action, donnees=self._donnees(action, montant_verse=Decimal("4000.01"))
            )
        assert "dépasse le montant accordé" in erreur.value.message_dict["montant_verse"][0]
        assert not Financement.objects.exists()

    def test_a_negative_amount_is_refused(self):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            services.financement_enregistrer(
                action=action, donnees=self._donnees(action, montant_demande=Decimal("-1"))
            )
        assert "supérieure ou égale à 0" in erreur.value.message_dict["montant_demande"][0]

    def test_totals_add_up_the_lines_of_the_action(self):
        action = ActionFactory()
        for montant in ["1000", "2500.50"]:
            services.financement_enregistrer(
                action=action,
                donnees=self._donnees(action, montant_demande=Decimal(montant), montant_accorde=Decimal(montant)),
            )
        totaux = action.financements.totaux()
        assert totaux["demande"] == Decimal("3500.50")
        assert totaux["verse"] == Decimal("2000")
        assert Financement.objects.none().totaux()["accorde"] == 0


class TestSeance:
    def test_a_session_outside_the_action_is_refused(self):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            services.seance_enregistrer(action=action, donnees={"date": datetime.date(2026, 7, 1)})
        assert erreur.value.message_dict["date"] == [
            "La séance doit avoir lieu pendant l’action, du 15/09/2025 au 30/06/2026."
        ]
        assert not Seance.objects.exists()

    def test_negative_counts_are_refused(self):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            services.seance_enregistrer(action=action, donnees={"date": action.date_debut, "parents_presents": -2})
        assert "parents_presents" in erreur.value.message_dict


class TestSerieDeSeances:
    def _serie(self, action, debut, fin, jours=(MERCREDI,), **champs):
        return services.seances_creer_en_serie(
            action=action, date_debut=debut, date_fin=fin, jours=list(jours), auteur=None, duree_minutes=90, **champs
        )

    def test_every_chosen_weekday_between_two_dates(self):
        action = ActionFactory()
        seances = self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 31))
        assert [s.date.day for s in seances] == [1, 8, 15, 22, 29]
        assert Seance.history.count() == 5

    def test_dates_that_already_have_a_session_are_skipped(self):
        action = ActionFactory()
        SeanceFactory(action=action, date=datetime.date(2025, 10, 8))
        seances = self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15))
        assert [s.date.day for s in seances] == [1, 15]
        with pytest.raises(ValidationError, match="Aucune nouvelle date"):
            self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15))

    @pytest.mark.parametrize(
        ("debut", "fin", "champ", "message"),
        [
            (datetime.date(2025, 10, 31), datetime.date(2025, 10, 1), "date_fin", "La date de fin précède"),
            (datetime.date(2025, 9, 1), datetime.date(2025, 10, 1), "date_debut", "tenir dans les dates de l’action"),
        ],
    )
    def test_impossible_series_are_refused(self, debut, fin, champ, message):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            self._serie(action, debut, fin)
        assert message in erreur.value.message_dict[champ][0]
        assert not Seance.objects.exists()

    def test_a_series_is_capped(self):
        action = ActionFactory(date_debut=datetime.date(2025, 1, 1), date_fin=datetime.date(2026, 12, 31))
        with pytest.raises(ValidationError, match="200 au plus"):
            self._serie(action, action.date_debut, action.date_fin, jours=range(7))
        assert not Seance.objects.exists()


class TestParticipant:
    def _donnees(self, structure, **modifications):
        return {
            "structure": structure,
            "sexe": "F",
            "annee_naissance": 2016,
            "niveau_scolaire": "CM1",
            "etablissement": None,
            "quartier_residence": None,
            "date_consentement": datetime.date(2025, 9, 3),
            **modifications,
        }

    def test_a_child_gets_a_random_code_and_no_identifying_field_exists(self):
        structure = StructureFactory()
        premier = services.participant_enregistrer(donnees=self._donnees(structure))
        second = services.participant_enregistrer(donnees=self._donnees(structure))
        assert premier.code != second.code and len(premier.code) == 7 and premier.code.startswith("E")
        champs = {champ.name for champ in Participant._meta.get_fields()}
        assert not champs & {"nom", "prenom", "adresse", "date_naissance", "email", "telephone"}

    def test_a_birth_year_out_of_range_is_refused(self):
        with pytest.raises(ValidationError) as erreur:
            services.participant_enregistrer(donnees=self._donnees(StructureFactory(), annee_naissance=1990))
        assert "L’année de naissance doit être comprise entre" in erreur.value.message_dict["annee_naissance"][0]
        assert not Participant.objects.exists()

    def test_a_school_or_quartier_of_another_contract_is_refused(self):
        structure = StructureFactory()
        with pytest.raises(ValidationError) as erreur:
            services.participant_enregistrer(
                donnees=self._donnees(
                    structure, etablissement=EtablissementFactory(), quartier_residence=QuartierFactory()
                )
            )
        assert set(erreur.value.message_dict) == {"etablissement", "quartier_residence"}


class TestInscription:
    def test_children_are_enrolled_once(self):
        action = ActionFactory()
        enfants = ParticipantFactory.create_batch(3, structure=action.porteur)
        assert (
            len(
                services.participants_inscrire(
                    action=action, participants=enfants, date_inscription=action.date_debut, auteur=None
                )
            )
            == 3
        )
        assert (
            services.participants_inscrire(
                action=action, participants=enfants, date_inscription=action.date_debut, auteur=None
            )
            == []
        )
        assert Inscription.objects.count() == 3

    def test_a_child_of_another_structure_is_refused(self):
        action = ActionFactory()
        etranger = ParticipantFactory(code="EZZZZZZ")
        with pytest.raises(ValidationError) as erreur:
            services.participants_inscrire(
                action=action,
                participants=[ParticipantFactory(structure=action.porteur), etranger],
                date_inscription=action.date_debut,
                auteur=None,
            )
        assert "autre structure" in erreur.value.message_dict["participants"][0]
        assert "EZZZZZZ" in erreur.value.message_dict["participants"][0]
        assert not Inscription.objects.exists()

    def test_an_enrolment_date_outside_the_action_is_refused(self):
        action = ActionFactory()
        with pytest.raises(ValidationError, match="pendant l’action"):
            services.participants_inscrire(
                action=action,
                participants=[ParticipantFactory(structure=action.porteur)],
                date_inscription=datetime.date(2024, 1, 1),
                auteur=None,
            )


class TestPresences:
    def _saisir(self, seance, presents, anonymes=0, parents=0):
        return services.presences_enregistrer(
            seance=seance, presents=[p.pk for p in presents], enfants_anonymes=anonymes, parents_presents=parents
        )

    def test_ticking_and_unticking(self):
        action, seance, enfants = action_avec_enfants(3)
        assert self._saisir(seance, enfants[:2], anonymes=4, parents=2) == (2, 0)
        assert self._saisir(seance, enfants[1:]) == (1, 1)
        assert set(seance.presences.values_list("participant", flat=True)) == {enfants[1].pk, enfants[2].pk}
        seance.refresh_from_db()
        assert (seance.enfants_anonymes, seance.parents_presents) == (0, 0)

    def test_the_session_history_says_who_was_ticked_or_unticked(self):
        action, seance, enfants = action_avec_enfants(2)
        self._saisir(seance, enfants)
        self._saisir(seance, enfants[:1])
        raison = seance.history.first().history_change_reason
        assert raison == f"Présences – absent : {enfants[1].code}"

    def test_a_child_not_enrolled_is_refused_and_nothing_is_saved(self):
        action, seance, enfants = action_avec_enfants(2)
        intrus = ParticipantFactory(structure=action.porteur, code="EINTRUS")
        with pytest.raises(ValidationError) as erreur:
            self._saisir(seance, [enfants[0], intrus], anonymes=5)
        assert "n’étaient pas inscrits" in erreur.value.message_dict["presents"][0]
        assert "EINTRUS" in erreur.value.message_dict["presents"][0]
        assert not Presence.objects.exists()
        seance.refresh_from_db()
        assert seance.enfants_anonymes == 0

    @pytest.mark.parametrize("consentement", [None, datetime.date(2025, 10, 2)])
    def test_no_presence_without_parental_consent_on_the_session_date(self, consentement):
        action, seance, enfants = action_avec_enfants(2)
        Participant.objects.filter(pk=enfants[1].pk).update(date_consentement=consentement)
        with pytest.raises(ValidationError) as erreur:
            self._saisir(seance, enfants)
        assert "consentement parental n’était pas recueilli" in erreur.value.message_dict["presents"][0]
        assert enfants[1].code in erreur.value.message_dict["presents"][0]
        assert not Presence.objects.exists()

    def test_a_child_enrolled_after_the_session_is_refused(self):
        action, seance, enfants = action_avec_enfants(1)
        tardif = InscriptionFactory(action=action, date_inscription=datetime.date(2025, 11, 1)).participant
        with pytest.raises(ValidationError):
            self._saisir(seance, [tardif])

    def test_no_presence_for_a_future_session(self):
        action, _, enfants = action_avec_enfants(1, date_fin=datetime.date(2099, 6, 30))
        seance = SeanceFactory(action=action, date=datetime.date(2099, 1, 6))
        with pytest.raises(ValidationError, match="séance à venir"):
            self._saisir(seance, enfants)

    @pytest.mark.parametrize("nombre", [3, 30])
    def test_saving_a_grid_costs_the_same_queries_for_3_or_30_children(self, nombre, django_assert_num_queries):
        action, seance, enfants = action_avec_enfants(nombre)
        PresenceFactory(seance=seance, participant=enfants[0])
        with django_assert_num_queries(REQUETES_SAISIE_PRESENCES):
            self._saisir(seance, enfants[1:])
        # The same children, new headcounts: no child is recounted, the action's yearly sums are.
        with django_assert_num_queries(REQUETES_SAISIE_EFFECTIFS):
            self._saisir(seance, enfants[1:], anonymes=4, parents=2)


# Lock the action, the session's headcounts as committed, enrolled children, their consent,
# existing presences, delete, insert, the yearly summary of the children concerned (lock them,
# their previous rows by counter, delete, their profile, presences per contract and per
# quartier, insert, add to the counters), session update and its history row, plus the
# savepoint pair of the transaction. It was 22 while a receiver of the session's save locked the
# action again and rewrote its yearly sums whether the headcounts had changed or not.
REQUETES_SAISIE_PRESENCES = 19
# Lock, headcounts, enrolled, consent, existing presences, session update and history, the
# action's yearly sums (delete, sums, insert), savepoints.
REQUETES_SAISIE_EFFECTIFS = 12
