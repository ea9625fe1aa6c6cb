import factory

from fiches.tests.factories import CommuneFactory, ContratFactory
from fiches.validators import lettre_cle_uai
from partenaires.enums import CategorieFinancement, EducationPrioritaire, TypeEtablissement, TypePartenaire
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement, Structure, TypeStructure


def _uai(n):
    chiffres = f"095{n % 10000:04d}"
    return chiffres + lettre_cle_uai(chiffres)


class PartenaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partenaire

    contrat = factory.SubFactory(ContratFactory)
    nom = factory.Sequence(lambda n: f"Partenaire {n}")
    type = TypePartenaire.ETAT


class TypeStructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TypeStructure
        django_get_or_create = ["libelle"]

    libelle = factory.Sequence(lambda n: f"Type d’acteur {n}")


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    contrat = factory.SubFactory(ContratFactory)
    nom = factory.Sequence(lambda n: f"Structure {n}")
    type = factory.SubFactory(TypeStructureFactory)
    commune = factory.SubFactory(CommuneFactory)


class EtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etablissement

    uai = factory.Sequence(_uai)
    contrat = factory.SubFactory(ContratFactory)
    nom = factory.Sequence(lambda n: f"École {n}")
    type = TypeEtablissement.ECOLE_ELEMENTAIRE
    commune = factory.SubFactory(CommuneFactory)

    class Params:
        rep_plus = factory.Trait(education_prioritaire=EducationPrioritaire.REP_PLUS)


class DispositifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispositif

    code = factory.Sequence(lambda n: f"dispositif-{n}")
    nom = factory.Sequence(lambda n: f"Dispositif {n}")


class SourceFinancementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceFinancement

    contrat = factory.SubFactory(ContratFactory)
    libelle = factory.Sequence(lambda n: f"Source {n}")
    categorie = CategorieFinancement.DROIT_COMMUN
