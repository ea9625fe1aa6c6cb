import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actions import services
from actions.enums import EtatSeance, StatutAction
from actions.models import Action, Financement, Inscription, Participant, Presence, Seance
from fiches.models import Contrat, Thematique
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

    def test_cancelling_records_the_reason_and_changing_the_statut_restores_it(self):
        action = ActionFactory()
        services.action_annuler(action=action, motif="Subvention refusée")
        action.refresh_from_db()
        assert (action.statut, action.motif_annulation) == (StatutAction.ANNULEE, "Subvention refusée")
        assert action.history.latest().history_change_reason == "Action annulée : Subvention refusée"
        with pytest.raises(ValidationError, match="déjà annulée"):
            services.action_annuler(action=action, motif="Encore")
        services.action_enregistrer(action=action, donnees={"statut": StatutAction.EN_COURS}, auteur=None)
        action.refresh_from_db()
        assert (action.statut, action.motif_annulation) == (StatutAction.EN_COURS, "")
        assert action.history.latest().history_change_reason == "Action rétablie"

    def test_cancelling_needs_a_reason_and_its_history_reason_fits(self):
        action = ActionFactory()
        with pytest.raises(ValidationError) as erreur:
            services.action_annuler(action=action, motif=" ")
        assert erreur.value.message_dict["motif"] == ["Indiquez pourquoi l’action est annulée."]
        services.action_annuler(action=action, motif="x" * 200)
        raison = action.history.latest().history_change_reason
        assert len(raison) == 100 and raison.endswith("x…")
        assert Action.objects.get().motif_annulation == "x" * 200

    def test_an_action_someone_attended_cannot_be_deleted(self):
        action, seance, enfants = action_avec_enfants(2)
        PresenceFactory(seance=seance, participant=enfants[0])
        SeanceFactory(action=action, date=datetime.date(2025, 10, 8), parents_presents=3)
        with pytest.raises(ValidationError) as erreur:
            services.action_supprimer(action=action)
        assert erreur.value.messages == [
            "Cette action ne peut pas être supprimée : ses séances comptent 1 présence d’enfant inscrit et 3 parents. "
            "Annulez-la si elle n’a pas eu lieu, ou archivez-la."
        ]
        assert Action.objects.filter(pk=action.pk).exists()

    def test_an_action_nobody_attended_is_deleted_with_its_records_and_stays_in_the_history(self):
        action, seance, enfants = action_avec_enfants(2)
        services.financement_enregistrer(
            action=action, donnees={"source": SourceFinancementFactory(contrat=action.porteur.contrat), "annee": 2025}
        )
        pks = action.pk, seance.pk
        services.action_supprimer(action=action)
        assert not Action.objects.exists() and not Seance.objects.exists() and not Inscription.objects.exists()
        assert not Financement.objects.exists()
        assert Action.history.filter(id=pks[0]).first().history_change_reason == "Action supprimée"
        assert Seance.history.filter(id=pks[1], history_type="-").exists()

    def test_the_action_s_dates_cannot_leave_out_its_sessions_and_the_message_lists_them(self, utilisateur):
        action = ActionFactory()
        for jour in [datetime.date(2025, 9, 17), datetime.date(2025, 9, 24), datetime.date(2026, 6, 24)]:
            SeanceFactory(action=action, date=jour, a_saisir=True)
        with pytest.raises(ValidationError) as erreur:
            services.action_enregistrer(
                action=action,
                donnees={"date_debut": datetime.date(2025, 10, 1), "date_fin": datetime.date(2026, 6, 19)},
                auteur=utilisateur,
            )
        assert erreur.value.message_dict == {
            "date_debut": [
                "L’action a des séances avant le 01/10/2025 : 17/09/2025 et 24/09/2025. Déplacez-les ou "
                "supprimez-les d’abord, ou gardez une date de début qui les contient."
            ],
            "date_fin": [
                "L’action a des séances après le 19/06/2026 : 24/06/2026. Déplacez-les ou supprimez-les d’abord, "
                "ou gardez une date de fin qui les contient."
            ],
        }
        action.refresh_from_db()
        assert action.date_debut == datetime.date(2025, 9, 15)
        services.action_enregistrer(action=action, donnees={"date_debut": datetime.date(2025, 9, 17)}, auteur=None)
        assert Action.objects.get().date_debut == datetime.date(2025, 9, 17)

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


class TestSeanceUnique:
    def _ajouter(self, action, jour, heure=None):
        return services.seance_enregistrer(action=action, donnees={"date": jour, "heure_debut": heure})

    @pytest.mark.parametrize(
        ("existante", "nouvelle", "message"),
        [
            (None, None, "Cette action a déjà une séance le 08/10/2025 sans heure de début."),
            (datetime.time(14), datetime.time(14), "Cette action a déjà une séance le 08/10/2025 à 14 h 00."),
            (None, datetime.time(14), "Cette action a déjà une séance le 08/10/2025 sans heure de début."),
            (datetime.time(14), None, "Cette action a déjà une séance le 08/10/2025 à 14 h 00."),
        ],
        ids=["both-without-time", "same-time", "a-time-beside-a-whole-day", "a-whole-day-beside-a-time"],
    )
    def test_a_second_session_at_the_same_date_and_time_is_refused(self, existante, nouvelle, message):
        action = ActionFactory()
        self._ajouter(action, datetime.date(2025, 10, 8), existante)
        with pytest.raises(ValidationError) as erreur:
            self._ajouter(action, datetime.date(2025, 10, 8), nouvelle)
        assert erreur.value.message_dict["date"] == [
            f"{message} Pour deux séances le même jour, donnez à chacune son heure de début, différente de l’autre."
        ]
        assert action.seances.count() == 1

    def test_two_sessions_of_one_date_at_their_own_times_are_accepted(self):
        action = ActionFactory()
        matin = self._ajouter(action, datetime.date(2025, 10, 8), datetime.time(9, 30))
        self._ajouter(action, datetime.date(2025, 10, 8), datetime.time(14))
        # Moving one onto the other is refused as well.
        with pytest.raises(ValidationError, match="déjà une séance le 08/10/2025 à 14 h 00"):
            services.seance_enregistrer(action=action, seance=matin, donnees={"heure_debut": datetime.time(14)})
        assert sorted(action.seances.values_list("heure_debut", flat=True)) == [datetime.time(9, 30), datetime.time(14)]

    def test_another_action_may_meet_the_same_day(self):
        self._ajouter(ActionFactory(), datetime.date(2025, 10, 8))
        self._ajouter(ActionFactory(), datetime.date(2025, 10, 8))
        assert Seance.objects.count() == 2

    @pytest.mark.parametrize("heure", [None, datetime.time(14)], ids=["without-time", "at-a-time"])
    def test_the_database_refuses_a_double_written_behind_the_services(self, heure):
        seance = SeanceFactory(heure_debut=heure)
        with pytest.raises(IntegrityError), transaction.atomic():
            Seance.objects.create(action=seance.action, date=seance.date, heure_debut=heure)


class TestCycleDeVieDeLaSeance:
    def test_a_session_whose_grid_was_saved_cannot_move_into_the_future(self):
        action, seance, enfants = action_avec_enfants(1, date_fin=datetime.date(2099, 6, 30))
        with pytest.raises(ValidationError) as erreur:
            services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2099, 1, 6)})
        assert erreur.value.message_dict["date"] == [
            "La grille de présences du 01/10/2025 est enregistrée : la séance a eu lieu et ne peut pas être "
            "déplacée à une date à venir."
        ]
        seance.refresh_from_db()
        assert seance.date == datetime.date(2025, 10, 1)

    def test_a_session_never_entered_may_move_into_the_future(self):
        action = ActionFactory(date_fin=datetime.date(2099, 6, 30))
        seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 1), a_saisir=True)
        services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2099, 1, 6)})
        assert Seance.objects.get().date == datetime.date(2099, 1, 6)

    def test_a_held_session_cannot_move_before_a_present_child_was_enrolled_or_consenting(self):
        action, seance, (premier, second) = action_avec_enfants(2)
        Inscription.objects.filter(participant=second).update(date_inscription=datetime.date(2025, 9, 20))
        Participant.objects.filter(pk=premier.pk).update(date_consentement=datetime.date(2025, 9, 25))
        PresenceFactory(seance=seance, participant=premier)
        PresenceFactory(seance=seance, participant=second)
        with pytest.raises(ValidationError) as erreur:
            services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2025, 9, 17)})
        codes = ", ".join(sorted([premier.code, second.code]))
        assert erreur.value.message_dict["date"] == [
            f"Ces enfants notés présents n’étaient pas inscrits, ou sans consentement parental, au 17/09/2025 : "
            f"{codes}. Gardez une date où ils l’étaient."
        ]
        services.seance_enregistrer(action=action, seance=seance, donnees={"date": datetime.date(2025, 9, 26)})
        assert Seance.objects.get().date == datetime.date(2025, 9, 26)

    def test_a_form_read_before_a_grid_was_saved_does_not_undo_it(self):
        action, seance, enfants = action_avec_enfants(1)
        affichee = Seance.objects.get(pk=seance.pk)
        services.presences_enregistrer(seance=seance, presents=[enfants[0].pk], enfants_anonymes=4, parents_presents=1)
        services.seance_enregistrer(action=action, seance=affichee, donnees={"lieu": "Gymnase"})
        seance.refresh_from_db()
        assert (seance.lieu, seance.enfants_anonymes, seance.parents_presents) == ("Gymnase", 4, 1)
        assert seance.saisie_le is not None

    def test_cancelling_keeps_the_session_with_its_reason_in_the_history(self, utilisateur):
        action, seance, enfants = action_avec_enfants(1)
        services.seance_annuler(seance=seance, motif="  Intervenant malade ")
        seance.refresh_from_db()
        assert seance.annulee_le is not None and seance.motif_annulation == "Intervenant malade"
        assert seance.etat == EtatSeance.ANNULEE
        assert seance.history.first().history_change_reason == "Séance annulée : Intervenant malade"

    @pytest.mark.parametrize("motif", ["", "  "])
    def test_cancelling_needs_a_reason(self, motif):
        _, seance, _ = action_avec_enfants(1)
        with pytest.raises(ValidationError) as erreur:
            services.seance_annuler(seance=seance, motif=motif)
        assert erreur.value.message_dict["motif"] == ["Indiquez pourquoi la séance est annulée."]
        assert Seance.objects.get().annulee_le is None

    def test_a_session_is_cancelled_once_and_restored_once(self):
        _, seance, _ = action_avec_enfants(1)
        services.seance_annuler(seance=seance, motif="Grève")
        with pytest.raises(ValidationError, match="déjà annulée"):
            services.seance_annuler(seance=seance, motif="Autre motif")
        services.seance_retablir(seance=seance)
        services.seance_retablir(seance=seance)
        seance.refresh_from_db()
        assert (seance.annulee_le, seance.motif_annulation, seance.etat) == (None, "", EtatSeance.SAISIE)
        assert [h.history_change_reason for h in seance.history.order_by("history_id")][-2:] == [
            "Séance annulée : Grève",
            "Séance rétablie",
        ]

    @pytest.mark.parametrize(
        ("grille", "compte"),
        [
            ({"presents": 1}, "1 présence d’enfant inscrit"),
            ({"enfants_anonymes": 12}, "12 enfants comptés à l’entrée"),
            ({"presents": 2, "parents_presents": 1}, "2 présences d’enfants inscrits et 1 parent"),
        ],
        ids=["a-child", "a-headcount", "children-and-parents"],
    )
    def test_a_session_someone_attended_cannot_be_deleted(self, grille, compte):
        action, seance, enfants = action_avec_enfants(2)
        services.presences_enregistrer(
            seance=seance,
            presents=[e.pk for e in enfants[: grille.get("presents", 0)]],
            enfants_anonymes=grille.get("enfants_anonymes", 0),
            parents_presents=grille.get("parents_presents", 0),
        )
        with pytest.raises(ValidationError) as erreur:
            services.seance_supprimer(seance=seance)
        assert erreur.value.messages == [
            f"Cette séance ne peut pas être supprimée : sa grille compte {compte}. Si elle n’a pas eu lieu, annulez-la."
        ]
        assert Seance.objects.filter(pk=seance.pk).exists()

    def test_a_session_nobody_attended_is_deleted_and_stays_in_the_history(self):
        action, seance, enfants = action_avec_enfants(1)
        services.presences_enregistrer(seance=seance, presents=[], enfants_anonymes=0, parents_presents=0)
        pk = seance.pk
        services.seance_supprimer(seance=seance)
        assert not Seance.objects.exists()
        derniere = Seance.history.filter(id=pk).first()
        assert (derniere.history_type, derniere.history_change_reason) == ("-", "Séance supprimée")


class TestSerieDeSeances:
    def _serie(self, action, debut, fin, jours=(MERCREDI,), **champs):
        return services.seances_creer_en_serie(
            action=action, date_debut=debut, date_fin=fin, jours=list(jours), auteur=None, duree_minutes=90, **champs
        )

    def test_every_chosen_weekday_between_two_dates(self):
        action = ActionFactory()
        serie = self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 31))
        assert [s.date.day for s in serie.seances] == [1, 8, 15, 22, 29]
        assert Seance.history.count() == 5
        assert (serie.sautees, serie.zone) == ({}, "")
        assert all(s.saisie_le is None and s.heure_debut is None for s in serie.seances)

    def test_dates_that_already_have_a_session_are_skipped(self):
        action = ActionFactory()
        SeanceFactory(action=action, date=datetime.date(2025, 10, 8))
        serie = self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15))
        assert [s.date.day for s in serie.seances] == [1, 15]
        assert serie.sautees == {datetime.date(2025, 10, 8): "l’action a déjà une séance ce jour-là"}
        with pytest.raises(ValidationError, match="Aucune nouvelle date"):
            self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15))

    def test_a_series_at_a_start_time_skips_only_the_dates_taken_at_that_time_or_without_time(self):
        action = ActionFactory()
        SeanceFactory(action=action, date=datetime.date(2025, 10, 1), heure_debut=datetime.time(10))
        SeanceFactory(action=action, date=datetime.date(2025, 10, 8))
        SeanceFactory(action=action, date=datetime.date(2025, 10, 15), heure_debut=datetime.time(14))
        serie = self._serie(
            action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15), heure_debut=datetime.time(14)
        )
        assert [(s.date.day, s.heure_debut) for s in serie.seances] == [(1, datetime.time(14))]
        assert set(serie.sautees) == {datetime.date(2025, 10, 8), datetime.date(2025, 10, 15)}
        # Without a start time, a series takes whole dates: each already has a session.
        with pytest.raises(ValidationError, match="Aucune nouvelle date"):
            self._serie(action, datetime.date(2025, 10, 1), datetime.date(2025, 10, 15))

    def test_public_holidays_and_the_school_holidays_of_the_contract_s_zone_are_skipped(self):
        action = ActionFactory(date_fin=datetime.date(2026, 6, 30))
        Contrat.objects.filter(pk=action.porteur.contrat_id).update(zone_scolaire="A")
        # Wednesdays from the Christmas holidays to the winter ones of zone A (07/02 to 23/02/2026).
        serie = self._serie(action, datetime.date(2025, 12, 17), datetime.date(2026, 2, 25))
        assert serie.zone == "A" and serie.calendrier_connu_jusqu_au is None
        assert serie.sautees == {
            datetime.date(2025, 12, 24): "Vacances de Noël (zone A)",
            datetime.date(2025, 12, 31): "Vacances de Noël (zone A)",
            datetime.date(2026, 2, 11): "Vacances d'Hiver (zone A)",
            datetime.date(2026, 2, 18): "Vacances d'Hiver (zone A)",
        }
        assert [s.date for s in serie.seances][:2] == [datetime.date(2025, 12, 17), datetime.date(2026, 1, 7)]
        assert len(serie.seances) == 11 - 4

    def test_without_a_zone_only_public_holidays_are_skipped(self):
        action = ActionFactory()
        serie = self._serie(action, datetime.date(2025, 12, 17), datetime.date(2026, 1, 7), jours=(MERCREDI, 3))
        assert serie.zone == ""
        assert serie.sautees == {
            datetime.date(2025, 12, 25): "Noël (jour férié)",
            datetime.date(2026, 1, 1): "Jour de l'an (jour férié)",
        }
        assert len(serie.seances) == 7 - 2

    def test_a_series_beyond_the_calendar_shipped_says_where_it_stops(self):
        action = ActionFactory(date_debut=datetime.date(2027, 6, 1), date_fin=datetime.date(2027, 10, 31))
        Contrat.objects.filter(pk=action.porteur.contrat_id).update(zone_scolaire="C")
        serie = self._serie(action, datetime.date(2027, 6, 1), datetime.date(2027, 10, 31))
        assert serie.calendrier_connu_jusqu_au == datetime.date(2027, 8, 31)
        assert datetime.date(2027, 7, 14) not in {s.date for s in serie.seances}

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

    @pytest.mark.parametrize("consentement", [datetime.date(2025, 10, 2), None], ids=["later", "withdrawn"])
    def test_a_consent_after_a_presence_is_refused(self, consentement):
        action, seance, (enfant,) = action_avec_enfants(1)
        PresenceFactory(seance=seance, participant=enfant)
        with pytest.raises(ValidationError) as erreur:
            services.participant_enregistrer(participant=enfant, donnees={"date_consentement": consentement})
        assert erreur.value.message_dict["date_consentement"] == [
            "L’enfant est noté présent le 01/10/2025 : le consentement de ses parents était donc recueilli à cette "
            "date. Indiquez une date antérieure ou égale."
        ]
        assert Participant.objects.get().date_consentement == datetime.date(2025, 9, 1)
        services.participant_enregistrer(participant=enfant, donnees={"date_consentement": datetime.date(2025, 10, 1)})
        assert Participant.objects.get().date_consentement == datetime.date(2025, 10, 1)

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

    @pytest.mark.parametrize("ticked", [True, False])
    def test_no_grid_for_a_future_session(self, ticked):
        action, _, enfants = action_avec_enfants(1, date_fin=datetime.date(2099, 6, 30))
        seance = SeanceFactory(action=action, date=datetime.date(2099, 1, 6))
        with pytest.raises(ValidationError, match="Cette séance est à venir"):
            self._saisir(seance, enfants if ticked else [], anonymes=3)
        seance.refresh_from_db()
        assert seance.saisie_le is None and seance.enfants_anonymes == 0

    def test_no_grid_for_a_cancelled_session(self):
        action, seance, enfants = action_avec_enfants(1)
        services.seance_annuler(seance=seance, motif="Salle fermée")
        with pytest.raises(ValidationError) as erreur:
            self._saisir(seance, enfants)
        assert erreur.value.message_dict["presents"] == [
            "Cette séance est annulée : rétablissez-la pour noter ses présences."
        ]
        assert not Presence.objects.exists()

    def test_a_grid_saved_with_nobody_present_makes_the_session_saisie(self):
        action, seance, enfants = action_avec_enfants(2)
        seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), a_saisir=True)
        self._saisir(seance, [])
        seance.refresh_from_db()
        assert seance.saisie_le is not None
        assert action.seances_annuelles.get().nb_inscrits == 2 + 2
        assert seance.history.first().history_change_reason == "Présences – sans changement d’enfant"

    def test_the_first_save_of_a_grid_also_rewrites_the_action_s_yearly_sums(self, django_assert_num_queries):
        action, _, enfants = action_avec_enfants(3)
        seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), a_saisir=True)
        # Nobody to untick (one delete fewer); the yearly sums (three queries) and the day's sums
        # (the old ones by counter, delete, take off the counters, the action's quartiers, the
        # new sums, insert, add to the counters) rewritten in place of moving the day's presences.
        with django_assert_num_queries(REQUETES_SAISIE_PRESENCES - 1 - 2 + 3 + REQUETES_JOUR_REECRIT):
            self._saisir(seance, enfants[1:])

    @pytest.mark.parametrize("nombre", [3, 30])
    def test_saving_a_grid_costs_the_same_queries_for_3_or_30_children(self, nombre, django_assert_num_queries):
        action, seance, enfants = action_avec_enfants(nombre)
        PresenceFactory(seance=seance, participant=enfants[0])
        with django_assert_num_queries(REQUETES_SAISIE_PRESENCES):
            self._saisir(seance, enfants[1:])
        # The same children, new headcounts: no child is recounted, the action's yearly sums are.
        with django_assert_num_queries(REQUETES_SAISIE_EFFECTIFS):
            self._saisir(seance, enfants[1:], anonymes=4, parents=2)


# Lock the action, the session's date, grid and headcounts as committed, enrolled children with their
# consent, existing presences, delete, insert, the yearly summary of the children concerned (lock them,
# their previous rows by counter, delete, their profile, their level of each year, presences
# per contract and per quartier, insert, add to the counters, to the arrivals per day and to
# their sums per perimeter),
# session update and its history row, the day's presences moved in each perimeter (the
# counters, then the action's rows), plus the savepoint pair of the transaction. It was 22
# while a receiver of the session's save locked the action again and rewrote its yearly sums
# whether the headcounts had changed or not; 24 while the consent was read apart from the
# enrolments. The closure of the session's school year adds two (the contract's shared lock, its
# closed years: fiches.clotures); the éducation prioritaire the children's past years were
# counted with, one (actions.resumes).
REQUETES_SAISIE_PRESENCES = 26
# Lock, the session as committed, the closure (2), enrolled with their consent, existing
# presences, session update and history, the action's yearly sums (delete, sums, insert) and its
# day's sums per perimeter rewritten (REQUETES_JOUR_REECRIT), savepoints.
REQUETES_JOUR_REECRIT = 7
REQUETES_SAISIE_EFFECTIFS = 13 + REQUETES_JOUR_REECRIT
