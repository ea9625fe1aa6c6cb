"""Children's records imported from a file: the children's export reads back unchanged, a row
with a code changes that child, a row without one creates a child unless it is perhaps one
already followed, refusals named by row and column, nothing outside the importer's scope."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from actions import exports, selectors
from actions.enums import EcartDeNiveau, NiveauScolaire
from actions.models import Participant
from actions.tests.factories import ParticipantFactory
from comptes.enums import Role
from comptes.perimetre import Perimetre
from fiches.annees import AnneeScolaire
from fiches.tableurs import en_classeur, en_csv
from partenaires.tests.factories import EtablissementFactory, StructureFactory

from ..enums import NatureImport
from ..modeles import modele
from ..models import ImportTableur
from ..services import DUREE_D_UN_APERCU, import_confirmer, import_previsualiser
from .outils import auteur, csv_francais

pytestmark = pytest.mark.django_db

# Born the year that makes a CM1 pupil this school year: a level that needs no reason.
NE_EN_CM1 = AnneeScolaire.courante().annee_de_rentree - 9
ENTETES = [
    "Code de l’enfant",
    "Sexe",
    "Année de naissance",
    "Niveau scolaire",
    "Établissement",
    "Structure qui le suit",
]


def chef(contrat):
    return Perimetre(contrat=contrat, role=Role.CHEF_DE_PROJET)


def animateur(structure):
    return Perimetre(contrat=structure.contrat, role=Role.ANIMATEUR, structure_ids=frozenset({structure.pk}))


def previsualiser(contenu, perimetre, nom="enfants.csv"):
    return import_previsualiser(
        contrat=perimetre.contrat, auteur=auteur(), nature="enfants", nom=nom, contenu=contenu, perimetre=perimetre
    )


def importer(contenu, perimetre, nom="enfants.csv"):
    import_tableur, apercu = previsualiser(contenu, perimetre, nom)
    assert not apercu.erreurs, apercu.erreurs
    import_confirmer(import_tableur=import_tableur, auteur=auteur(), perimetre=perimetre)
    return apercu


def comptes(apercu):
    return apercu.nb_crees, apercu.nb_modifies, apercu.nb_inchanges


def export_des_enfants(perimetre, format):
    feuilles = exports.enfants(selectors.liste_des_participants(perimetre=perimetre))
    return en_classeur(feuilles) if format == "xlsx" else en_csv(feuilles[0])


def fiches(contrat):
    """Every field of the contract's children: a write leaves a trace (a version, a field)."""
    return list(Participant.objects.filter(structure__contrat=contrat).order_by("code").values())


@pytest.fixture
def structure():
    structure = StructureFactory()
    ecole = EtablissementFactory(contrat=structure.contrat, nom="École Jaurès")
    # Their sex given: the factory's goes round the sexes over the whole run, and a boy here
    # would share the profile of a row a test imports as a new child.
    ParticipantFactory(structure=structure, code="A00001", sexe="F", etablissement=ecole)
    ParticipantFactory(
        structure=structure,
        code="B00002",
        sexe="F",
        annee_naissance=NE_EN_CM1 - 1,
        niveau_scolaire=NiveauScolaire.CM1,
        ecart_niveau=EcartDeNiveau.REDOUBLEMENT,
    )
    return structure


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_the_children_s_export_imported_back_changes_nothing(structure, format):
    perimetre = chef(structure.contrat)
    avant = fiches(structure.contrat)

    apercu = importer(export_des_enfants(perimetre, format), perimetre, nom=f"enfants.{format}")

    assert comptes(apercu) == (0, 0, 2)
    assert fiches(structure.contrat) == avant


def test_a_row_with_a_code_changes_only_that_child_through_the_service(structure):
    perimetre = chef(structure.contrat)
    contenu = csv_francais(
        [
            ["Code de l’enfant", "Sexe", "Année de naissance", "Code du niveau", "UAI", "Structure qui le suit"],
            ["a00001", "Fille", NE_EN_CM1, "CM1", "", structure.nom],
        ]
    )

    apercu = importer(contenu, perimetre)

    assert comptes(apercu) == (0, 1, 0)
    enfant = Participant.objects.get(code="A00001")
    assert (enfant.sexe, enfant.annee_naissance, enfant.etablissement) == ("F", NE_EN_CM1, None)
    assert enfant.history.count() == 2
    assert comptes(importer(contenu, perimetre)) == (0, 0, 1)


def test_new_children_get_a_code_and_the_same_file_imported_again_creates_none(structure):
    perimetre = chef(structure.contrat)
    contenu = csv_francais(
        [
            ENTETES,
            ["", "Fille", NE_EN_CM1, "CM1", "", structure.nom],
            ["", "Garçon", NE_EN_CM1 + 1, "CE2", "École Jaurès", structure.nom],
        ]
    )

    apercu = importer(contenu, perimetre)

    assert comptes(apercu) == (2, 0, 0)
    assert Participant.objects.count() == 4
    encore = importer(contenu, perimetre)
    assert comptes(encore) == (0, 0, 2)
    assert all("laissé de côté" in ligne.detail for ligne in encore.lignes)
    assert Participant.objects.count() == 4


def test_a_new_child_with_the_profile_of_one_followed_is_left_aside_unless_told_it_is_another(structure):
    perimetre = chef(structure.contrat)
    existant = ParticipantFactory(structure=structure, code="C00003", sexe="F", annee_naissance=NE_EN_CM1)
    ligne = ["", "Fille", NE_EN_CM1, "CM1", "", structure.nom]
    contenu = csv_francais([[*ENTETES, "Autre enfant au même profil"], [*ligne, ""], [*ligne, "oui"], [*ligne, ""]])

    import_tableur, apercu = previsualiser(contenu, perimetre)

    assert comptes(apercu) == (1, 0, 2)
    assert existant.code in apercu.lignes[0].detail
    assert import_tableur.resultat["lignes"][0][2:] == ["inchangee", apercu.lignes[0].detail]
    # The third row is the same as the first: left aside too, not created twice.
    assert "de l’enfant C00003" in apercu.lignes[2].detail


def test_one_bad_row_is_named_and_nothing_is_written(structure):
    perimetre = chef(structure.contrat)
    avant = fiches(structure.contrat)
    contenu = csv_francais(
        [
            [*ENTETES, "Raison d’un niveau inhabituel pour l’âge", "Consentement parental le"],
            ["A00001", "Fille", NE_EN_CM1, "CM1", "", structure.nom, "", "01/09/2025"],
            ["", "Garçon", NE_EN_CM1, "6e", "", structure.nom, "", ""],
            ["", "Garçon", NE_EN_CM1, "CM1", "École inconnue", structure.nom, "", ""],
            ["", "X", NE_EN_CM1 - 3, "CM1", "", structure.nom, "Redoublement", "31/12/2999"],
            ["", "", NE_EN_CM1, "CM1", "École Curie", structure.nom, "", ""],
            ["A00001", "Fille", NE_EN_CM1, "CM1", "", structure.nom, "", "01/09/2025"],
        ]
    )
    EtablissementFactory.create_batch(2, contrat=structure.contrat, nom="École Curie")

    import_tableur, apercu = previsualiser(contenu, perimetre)

    erreurs = {(e.ligne, e.colonne) for e in apercu.erreurs}
    assert (3, "Niveau scolaire") in erreurs
    assert "raison de l’écart" in next(e.raison for e in apercu.erreurs if e.ligne == 3)
    assert {
        (4, "Établissement"),
        (5, "Sexe"),
        (5, "Consentement parental le"),
        (6, "Sexe"),
        (7, "Code de l’enfant"),
    } <= erreurs
    assert "plusieurs" in next(e.raison for e in apercu.erreurs if (e.ligne, e.colonne) == (6, "Établissement"))
    with pytest.raises(ValidationError):
        import_confirmer(import_tableur=import_tableur, auteur=auteur(), perimetre=perimetre)
    assert fiches(structure.contrat) == avant


def test_a_reason_in_its_column_lets_an_unusual_level_in(structure):
    perimetre = chef(structure.contrat)
    contenu = csv_francais(
        [
            [*ENTETES, "Raison d’un niveau inhabituel pour l’âge"],
            ["", "Garçon", NE_EN_CM1 - 1, "CM1", "École Jaurès", structure.nom, "Redoublement"],
        ]
    )

    assert comptes(importer(contenu, perimetre)) == (1, 0, 0)
    assert Participant.objects.filter(ecart_niveau=EcartDeNiveau.REDOUBLEMENT).count() == 2


def test_a_child_or_a_structure_outside_the_animateur_s_scope_is_refused_as_unknown(structure):
    autre = StructureFactory(contrat=structure.contrat)
    ParticipantFactory(structure=autre, code="Z00009")
    perimetre = animateur(structure)
    contenu = csv_francais(
        [
            ENTETES,
            ["Z00009", "Fille", 2016, "CM1", "", autre.nom],
            ["Y00008", "Fille", 2016, "CM1", "", structure.nom],
            ["", "Fille", NE_EN_CM1, "CM1", "", autre.nom],
        ]
    )

    _, apercu = previsualiser(contenu, perimetre)

    raisons = {(e.ligne, e.colonne): e.raison for e in apercu.erreurs}
    assert raisons[(2, "Code de l’enfant")] == raisons[(3, "Code de l’enfant")]
    assert "structures pour lesquelles vous saisissez" in raisons[(4, "Structure qui le suit")]
    assert "Z00009" not in str(apercu.lignes)


def test_the_history_keeps_the_counts_but_neither_the_file_nor_its_rows_once_confirmed(structure):
    """The retention purge erases a child from the records: an import's history must not keep
    a copy of what the file said of children."""
    perimetre = chef(structure.contrat)
    import_tableur, _ = previsualiser(
        csv_francais([ENTETES, ["", "Fille", NE_EN_CM1, "CM1", "", structure.nom]]), perimetre
    )
    assert import_tableur.resultat["lignes"] == [[2, "nouvel enfant", "creee", structure.nom]]
    assert bytes(import_tableur.contenu)

    import_confirmer(import_tableur=import_tableur, auteur=auteur(), perimetre=perimetre)

    import_tableur = ImportTableur.objects.get()
    assert (import_tableur.nb_crees, import_tableur.nb_erreurs, import_tableur.nom_du_fichier) == (1, 0, "enfants.csv")
    assert import_tableur.resultat == {} and bytes(import_tableur.contenu) == b""


@pytest.mark.parametrize("nombre", [2, 20])
def test_the_preview_costs_the_same_queries_whatever_the_number_of_rows(structure, django_assert_num_queries, nombre):
    perimetre = chef(structure.contrat)
    enfants = ParticipantFactory.create_batch(nombre, structure=structure, sexe="M", annee_naissance=NE_EN_CM1)
    modifies = [[e.code, "Fille", NE_EN_CM1, "CM1", "", structure.nom, ""] for e in enfants]
    nouveaux = [["", "Garçon", NE_EN_CM1, "CM1", "", structure.nom, "oui"]] * nombre
    contenu = csv_francais([[*ENTETES, "Autre enfant au même profil"], *modifies, *nouveaux])
    auteur()

    # Structures, schools, quartiers, children by code, profiles, old previews forgotten, the
    # import kept, and the transaction's savepoints.
    with django_assert_num_queries(REQUETES_APERCU):
        import_tableur, apercu = previsualiser(contenu, perimetre)
    assert (apercu.nb_crees, apercu.nb_modifies) == (nombre, nombre)
    with django_assert_num_queries(
        REQUETES_CONFIRMATION + (REQUETES_PAR_ENFANT_MODIFIE + REQUETES_PAR_ENFANT_CREE) * nombre
    ):
        import_confirmer(import_tableur=import_tableur, auteur=auteur(), perimetre=perimetre)


REQUETES_APERCU = 10
# The confirmation reads the file again (the preview's reads, the import locked), then each child
# changed costs what the form's service costs (locks, history, counters): written, not read, per row.
REQUETES_CONFIRMATION = 10
# A child changed has its rows rewritten, which first reads the éducation prioritaire its past
# years keep.
REQUETES_PAR_ENFANT_MODIFIE = 17
REQUETES_PAR_ENFANT_CREE = 7


def test_the_template_s_example_row_with_the_structure_s_name_creates_a_child(structure):
    classeur = load_workbook(io.BytesIO(modele(NatureImport.ENFANTS)))
    classeur["Enfants"]["L2"] = structure.nom
    tampon = io.BytesIO()
    classeur.save(tampon)

    apercu = importer(tampon.getvalue(), chef(structure.contrat), nom="modele.xlsx")

    assert comptes(apercu) == (1, 0, 0)


def test_a_preview_left_unconfirmed_for_a_day_is_forgotten_whoever_left_it(structure):
    perimetre = chef(structure.contrat)
    contenu = csv_francais([ENTETES, ["", "Fille", NE_EN_CM1, "CM1", "", structure.nom]])
    oublie, _ = previsualiser(contenu, perimetre)
    recent, _ = previsualiser(contenu, perimetre)
    ImportTableur.objects.filter(pk=oublie.pk).update(
        cree_le=timezone.now() - DUREE_D_UN_APERCU - timedelta(minutes=1), auteur=None
    )

    previsualiser(contenu, perimetre)

    assert not ImportTableur.objects.filter(pk=oublie.pk).exists()
    assert ImportTableur.objects.filter(pk=recent.pk).exists()
