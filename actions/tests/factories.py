"""Factories of the action records. Those that create sessions, enrolments or presences keep
the summaries the dashboards read exact, as the services do: they call the same functions of
actions.resumes once the record is saved (there is no signal to do it for them)."""

import datetime

import factory
from django.utils import timezone

from fiches.annees import AnneeScolaire
from fiches.tests.factories import QuartierFactory, RealisationAttendueFactory
from partenaires.tests.factories import EtablissementFactory, StructureFactory

from ..enums import NiveauScolaire, Sexe, StatutAction
from ..models import Action, Financement, Inscription, NiveauAnnuel, Participant, Presence, Seance
from ..resumes import (
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recalculer_seances_du_jour,
    recompter_inscrits,
    recompter_presents,
)

CONTRAT_DE_LA_REALISATION = "realisation.fiche.enjeu.axe.pilier.contrat"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    realisation = factory.SubFactory(RealisationAttendueFactory)
    titre = factory.Sequence(lambda n: f"Action {n}")
    porteur = factory.SubFactory(StructureFactory, contrat=factory.SelfAttribute(f"..{CONTRAT_DE_LA_REALISATION}"))
    date_debut = datetime.date(2025, 9, 15)
    date_fin = datetime.date(2026, 6, 30)
    statut = StatutAction.EN_COURS

    class Params:
        # Held in a school of the contract: with a porteur that is not a school, an intervention croisée.
        croisee = factory.Trait(
            etablissements=factory.PostGeneration(
                lambda action, create, extracted, **kwargs: action.etablissements.set(
                    [EtablissementFactory(contrat=action.porteur.contrat)]
                )
            )
        )
        annulee = factory.Trait(statut=StatutAction.ANNULEE)

    @factory.post_generation
    def quartiers(self, create, extracted, **kwargs):
        if create:
            self.quartiers.set(extracted or [QuartierFactory(contrat=self.porteur.contrat)])

    @factory.post_generation
    def etablissements(self, create, extracted, **kwargs):
        if create and extracted:
            self.etablissements.set(extracted)

    @factory.post_generation
    def partenaires(self, create, extracted, **kwargs):
        if create and extracted:
            self.partenaires.set(extracted)


class SeanceFactory(factory.django.DjangoModelFactory):
    """A past session comes with its attendance grid saved, as most past sessions are;
    `a_saisir=True` gives one never entered. A session to come has no grid."""

    class Meta:
        model = Seance
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory)
    date = factory.LazyAttribute(lambda o: o.action.date_debut)
    saisie_le = factory.LazyAttribute(lambda o: timezone.now() if o.date <= timezone.localdate() else None)

    class Params:
        a_saisir = factory.Trait(saisie_le=None)

    @factory.post_generation
    def resumes(self, create, extracted, **kwargs):
        """As services.seance_enregistrer: the children enrolled by its date, the yearly sums."""
        if create:
            recompter_inscrits(seances=[self.pk])
            recalculer_seances_annuelles(actions=[self.action_id])
            self.refresh_from_db(fields=["nb_inscrits"])


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    structure = factory.SubFactory(StructureFactory)
    code = factory.Sequence(lambda n: f"T{n:06d}")
    sexe = factory.Iterator(Sexe.values)
    annee_naissance = 2016
    niveau_scolaire = NiveauScolaire.CM1
    date_consentement = datetime.date(2025, 9, 1)


class InscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inscription
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory)
    participant = factory.SubFactory(ParticipantFactory, structure=factory.SelfAttribute("..action.porteur"))
    date_inscription = factory.LazyAttribute(lambda o: o.action.date_debut)

    @factory.post_generation
    def resumes(self, create, extracted, **kwargs):
        """As services.participants_inscrire: the child's level of the enrolment's school year,
        the sessions' children enrolled, the yearly sums."""
        if create:
            NiveauAnnuel.objects.get_or_create(
                participant_id=self.participant_id,
                annee_scolaire=AnneeScolaire.de_la_date(self.date_inscription).annee_de_rentree,
                defaults={"niveau_scolaire": self.participant.niveau_scolaire},
            )
            recompter_inscrits(actions=[self.action_id])
            recalculer_seances_annuelles(actions=[self.action_id])


class PresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presence
        skip_postgeneration_save = True

    seance = factory.SubFactory(SeanceFactory)
    participant = factory.SubFactory(ParticipantFactory, structure=factory.SelfAttribute("..seance.action.porteur"))

    @factory.post_generation
    def resumes(self, create, extracted, **kwargs):
        """As services.presences_enregistrer: the session's grid saved and its presences counted,
        the child's rows and the counters."""
        if create:
            recompter_presents(seances=[self.seance_id])
            if Seance.objects.filter(pk=self.seance_id, saisie_le__isnull=True).update(saisie_le=timezone.now()):
                recalculer_seances_annuelles(actions=[self.seance.action_id])
            else:
                recalculer_seances_du_jour(actions=[self.seance.action_id], jours=[self.seance.date])
            recalculer_frequentations(participants=[self.participant_id])


class FinancementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Financement

    action = factory.SubFactory(ActionFactory)
    source = factory.SubFactory(
        "partenaires.tests.factories.SourceFinancementFactory",
        contrat=factory.SelfAttribute("..action.porteur.contrat"),
    )
    annee = 2025
    montant_demande = 5000
    montant_accorde = 4000
    montant_verse = 2000


def action_avec_enfants(nombre, **kwargs):
    """An action with `nombre` enrolled children and one past session."""
    action = ActionFactory(**kwargs)
    enfants = [InscriptionFactory(action=action).participant for _ in range(nombre)]
    return action, SeanceFactory(action=action, date=datetime.date(2025, 10, 1)), enfants
