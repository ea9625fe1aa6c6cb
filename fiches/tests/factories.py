import factory

from fiches.enums import NatureIndicateur, NiveauLien, Rubrique
from fiches.models import (
    Axe,
    Commune,
    Contrat,
    EffetAttendu,
    Enjeu,
    EnonceIndicateur,
    Fiche,
    LienFiche,
    ParagrapheFiche,
    Pilier,
    Quartier,
    RealisationAttendue,
)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code_insee"]

    code_insee = factory.Sequence(lambda n: f"99{n % 1000:03d}")
    nom = factory.Sequence(lambda n: f"Commune {n}")


class ContratFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contrat

    code = factory.Sequence(lambda n: f"contrat-{n}")
    nom = factory.Sequence(lambda n: f"Contrat de ville {n}")


class PilierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilier

    contrat = factory.SubFactory(ContratFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    intitule = factory.Sequence(lambda n: f"Pilier {n}")

    class Params:
        transversal_ = factory.Trait(transversal=True, code="T", intitule="Axes transversaux")


class AxeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axe

    pilier = factory.SubFactory(PilierFactory)
    code = factory.Sequence(lambda n: f"9.{n}")


class EnjeuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enjeu

    axe = factory.SubFactory(AxeFactory)
    code = factory.Sequence(lambda n: f"9.9.{n}")
    intitule = factory.Sequence(lambda n: f"Enjeu {n}")


class FicheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fiche
        skip_postgeneration_save = True

    enjeu = factory.SubFactory(EnjeuFactory)
    code = factory.Sequence(lambda n: f"8.8.{n}")
    titre = factory.Sequence(lambda n: f"Fiche d’essai {n}")

    class Params:
        complete = factory.Trait(
            paragraphe=factory.RelatedFactory(
                "fiches.tests.factories.ParagrapheFicheFactory", factory_related_name="fiche"
            ),
            realisation=factory.RelatedFactory(
                "fiches.tests.factories.RealisationAttendueFactory", factory_related_name="fiche"
            ),
            effet=factory.RelatedFactory("fiches.tests.factories.EffetAttenduFactory", factory_related_name="fiche"),
            indicateur=factory.RelatedFactory(
                "fiches.tests.factories.EnonceIndicateurFactory", factory_related_name="fiche"
            ),
            lien=factory.RelatedFactory("fiches.tests.factories.LienFicheFactory", factory_related_name="fiche"),
        )


class ParagrapheFicheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParagrapheFiche

    fiche = factory.SubFactory(FicheFactory)
    rubrique = Rubrique.CONTEXTE
    ordre = factory.Sequence(lambda n: n + 100)
    texte = factory.Sequence(lambda n: f"Paragraphe {n}")


class RealisationAttendueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RealisationAttendue

    fiche = factory.SubFactory(FicheFactory)
    code = factory.Sequence(lambda n: f"RX{n}")
    intitule_court = factory.Sequence(lambda n: f"Réalisation {n}")
    libelle = factory.Sequence(lambda n: f"Réalisation attendue {n}")


class EffetAttenduFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EffetAttendu

    fiche = factory.SubFactory(FicheFactory)
    code = factory.Sequence(lambda n: f"EX{n}")
    libelle = factory.Sequence(lambda n: f"Effet attendu {n}")


class EnonceIndicateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnonceIndicateur

    fiche = factory.SubFactory(FicheFactory)
    nature = NatureIndicateur.REALISATION
    code = factory.Sequence(lambda n: f"IX{n}")
    libelle = factory.Sequence(lambda n: f"Indicateur {n}")

    class Params:
        effet = factory.Trait(nature=NatureIndicateur.EFFET)


class LienFicheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LienFiche

    fiche = factory.SubFactory(FicheFactory)
    niveau = NiveauLien.ENJEU
    code = factory.Sequence(lambda n: f"7.7.{n}")
    libelle = factory.Sequence(lambda n: f"Enjeu lié {n}")

    class Params:
        vers_fiche = factory.Trait(
            fiche_liee=factory.SubFactory(FicheFactory), complement=factory.Sequence(lambda n: f"Fiche liée {n}")
        )


class QuartierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quartier
        skip_postgeneration_save = True

    contrat = factory.SubFactory(ContratFactory)
    code = factory.Sequence(lambda n: f"QN095{n % 100:02d}{'ABCDEFGHJKLMNPRSTUVWXYZ'[n // 100 % 23]}")
    nom = factory.Sequence(lambda n: f"Quartier {n}")

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create:
            self.communes.set(extracted or [CommuneFactory()])
