"""Issue 15, point 3: the lists as files people can read. Each export is read back: the XLSX with
openpyxl (French headers and labels, the codes in their own columns, number formats, widths,
frozen and filtered header), the CSV with the csv module (BOM, « ; », decimal comma, codes). Each
follows the list's filters and the reader's scope, costs the same queries when its data grows
tenfold, and answers no typed parameter with a 500."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from comptes.enums import Role
from comptes.services import adhesion_definir
from fiches.tests.test_pages import REQUETES_DE_SESSION
from partenaires.tests.factories import EtablissementFactory, PartenaireFactory, StructureFactory

from ..enums import NiveauScolaire, StatutAction
from ..exports import ANNULEE, PAS_ATTENDU, Mois
from .factories import (
    ActionFactory,
    FinancementFactory,
    InscriptionFactory,
    PresenceFactory,
    SeanceFactory,
)

pytestmark = pytest.mark.django_db

ACTIONS = "/actions/export/"
FINANCEMENTS = "/actions/financements/export/"
SEANCES = "/actions/seances/export/"
ENFANTS = "/participants/export/"
EUROS = '#,##0.00 "€"'

# Queries of each export beyond the session and the user (pinned: a change must be deliberate):
# the filter's choices are not read; the actions, their quartiers, thematiques and funding lines.
REQUETES = {
    ACTIONS: REQUETES_DE_SESSION + 4,
    FINANCEMENTS: REQUETES_DE_SESSION + 1,
    SEANCES: REQUETES_DE_SESSION + 1,
    # The action, then its sessions.
    "seances_action": REQUETES_DE_SESSION + 2,
    # The action, the month's sessions, its children, their presences.
    "presences": REQUETES_DE_SESSION + 4,
    ENFANTS: REQUETES_DE_SESSION + 1,
}


def _classeur(reponse):
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(reponse.content))


def _lignes(feuille):
    entetes, *rangees = feuille.iter_rows()
    return [{entete.value: cellule for entete, cellule in zip(entetes, rangee, strict=True)} for rangee in rangees]


def _entetes(feuille):
    return [cellule.value for cellule in feuille[1]]


def _mis_en_forme(feuille):
    """A header frozen and filtered, each column as wide as something."""
    assert feuille.freeze_panes == "A2"
    colonnes = len(_entetes(feuille))
    assert feuille.auto_filter.ref == f"A1:{get_column_letter(colonnes)}{feuille.max_row}"
    assert all(feuille.column_dimensions[get_column_letter(n)].width > 0 for n in range(1, colonnes + 1))
    assert all(cellule.font.bold for cellule in feuille[1])


def _csv(reponse):
    assert reponse.status_code == 200 and reponse["Content-Type"] == "text/csv; charset=utf-8"
    texte = reponse.content.decode("utf-8")
    assert texte.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(texte[1:]), delimiter=";"))


def _adresses(action):
    """Every export of the lists, those of one action for this one."""
    return [
        ACTIONS,
        FINANCEMENTS,
        SEANCES,
        ENFANTS,
        f"/actions/{action.pk}/seances/export/",
        f"/actions/{action.pk}/presences/export/",
    ]


def _client(client, contrat, role, **adhesion):
    utilisateur = get_user_model().objects.create_user(username=f"{role}-{contrat.pk}", password="x-Motdepasse-42")
    adhesion_definir(utilisateur=utilisateur, contrat=contrat, role=role, **adhesion)
    client.force_login(utilisateur)
    return client


# --- Actions and their funding -------------------------------------------------------------------


@pytest.fixture
def action_financee():
    action = ActionFactory(titre="Coup de pouce lecture", niveaux=["PS", "6E"])
    contrat = action.porteur.contrat
    for nom, demande, accorde, verse in [("CAF", "1500.50", "1200", "600.25"), ("Département", "800", "800", "0")]:
        FinancementFactory(
            action=action,
            financeur=PartenaireFactory(contrat=contrat, nom=nom, sigle=""),
            montant_demande=Decimal(demande),
            montant_accorde=Decimal(accorde),
            montant_verse=Decimal(verse),
        )
    SeanceFactory(action=action)
    InscriptionFactory(action=action)
    return action


def test_the_actions_workbook_reads_in_french_with_codes_apart_and_amounts_in_euros(client_connecte, action_financee):
    classeur = _classeur(client_connecte.get(ACTIONS))
    assert classeur.sheetnames == ["Actions", "Financements"]
    actions, financements = classeur["Actions"], classeur["Financements"]
    for feuille in (actions, financements):
        _mis_en_forme(feuille)
    assert _entetes(actions)[:6] == [
        "N°",
        "Action",
        "Code de la réalisation",
        "Réalisation attendue",
        "Réalisation attendue, libellé de la fiche",
        "Structure porteuse",
    ]
    (ligne,) = _lignes(actions)
    action = action_financee
    quartier = action.quartiers.get()
    realisation = action.realisation
    assert ligne["Action"].value == "Coup de pouce lecture"
    assert ligne["Code de la réalisation"].value == f"{realisation.fiche.code}-{realisation.code}"
    assert ligne["Réalisation attendue, libellé de la fiche"].value == realisation.libelle
    assert (ligne["Quartiers concernés"].value, ligne["Codes des quartiers"].value) == (quartier.nom, quartier.code)
    assert (ligne["Niveaux visés"].value, ligne["Codes des niveaux"].value) == ("Petite section, 6e", "PS, 6E")
    assert (ligne["Statut"].value, ligne["Code du statut"].value) == ("En cours", "en_cours")
    assert ligne["Début"].value == datetime.datetime(2025, 9, 15) and ligne["Début"].number_format == "DD/MM/YYYY"
    assert (ligne["Séances"].value, ligne["Enfants inscrits"].value) == (1, 1)
    assert ligne["Séances"].number_format == "#,##0"
    totaux = [ligne[f"Total {nom}"] for nom in ("demandé", "accordé", "versé")]
    assert [cellule.value for cellule in totaux] == [2300.5, 2000, 600.25]
    assert {cellule.number_format for cellule in totaux} == {EUROS}
    # One line per funding line: requested, granted, paid per financeur.
    lignes = {ligne["Financeur"].value: ligne for ligne in _lignes(financements)}
    assert lignes.keys() == {"CAF", "Département"}
    caf = lignes["CAF"]
    assert [caf[nom].value for nom in ("Demandé", "Accordé", "Versé")] == [1500.5, 1200, 600.25]
    assert caf["Versé"].number_format == EUROS and caf["N° de l’action"].value == action.pk
    assert (caf["Année budgétaire"].value, caf["Année budgétaire"].number_format) == (2025, "0")


def test_the_actions_csv_is_for_french_excel_with_the_codes(client_connecte, action_financee):
    (ligne,) = _csv(client_connecte.get(ACTIONS, {"format": "csv"}))
    assert ligne["codes_quartiers"] == action_financee.quartiers.get().code
    assert (ligne["statut"], ligne["codes_niveaux"]) == ("en_cours", "PS, 6E")
    assert (ligne["montant_demande"], ligne["montant_verse"]) == ("2300,50", "600,25")
    assert ligne["date_debut"] == "15/09/2025"
    lignes = _csv(client_connecte.get(FINANCEMENTS, {"format": "csv"}))
    assert sorted((x["financeur"], x["montant_accorde"]) for x in lignes) == [
        ("CAF", "1200,00"),
        ("Département", "800,00"),
    ]
    assert b"\r\n" in client_connecte.get(FINANCEMENTS, {"format": "csv"}).content


def test_the_exports_follow_the_list_s_filters(client_connecte, action_financee):
    annulee = ActionFactory(
        realisation=action_financee.realisation, porteur=action_financee.porteur, statut=StatutAction.ANNULEE
    )
    FinancementFactory(action=annulee, source=action_financee.financements.first().source)
    SeanceFactory(action=annulee)
    filtres = {"statut": "annulee", "format": "csv"}
    assert [x["titre"] for x in _csv(client_connecte.get(ACTIONS, filtres))] == [annulee.titre]
    assert {x["action"] for x in _csv(client_connecte.get(FINANCEMENTS, filtres))} == {annulee.titre}
    assert {x["action"] for x in _csv(client_connecte.get(SEANCES, filtres))} == {annulee.titre}
    # Without filters, every action not archived, as on the list.
    assert len(_csv(client_connecte.get(ACTIONS, {"format": "csv"}))) == 2
    # The list links its exports with its filters.
    page = client_connecte.get("/actions/", {"statut": "annulee", "page": "1"}).content.decode()
    assert f'href="{ACTIONS}?statut=annulee&amp;format=xlsx"' in page


def test_an_animateur_exports_their_structure_s_actions_only(client, action_financee):
    contrat = action_financee.porteur.contrat
    autre = ActionFactory(realisation=action_financee.realisation, porteur=StructureFactory(contrat=contrat))
    SeanceFactory(action=autre)
    animateur = _client(client, contrat, Role.ANIMATEUR, structures=[action_financee.porteur])
    for adresse in (ACTIONS, FINANCEMENTS, SEANCES):
        titres = {
            ligne.get("titre") or ligne.get("action") for ligne in _csv(animateur.get(adresse, {"format": "csv"}))
        }
        assert titres == {action_financee.titre}, adresse
    assert animateur.get(f"/actions/{autre.pk}/seances/export/").status_code == 404
    assert animateur.get(f"/actions/{autre.pk}/presences/export/").status_code == 404
    assert animateur.get(ENFANTS).status_code == 403


def test_a_partner_exports_no_list(client, action_financee):
    partenaire = _client(client, action_financee.porteur.contrat, Role.PARTENAIRE)
    for adresse in _adresses(action_financee):
        assert partenaire.get(adresse).status_code == 403, adresse


def test_a_title_that_starts_a_formula_stays_text(client_connecte, action_financee):
    action_financee.titre = '=HYPERLINK("http://exemple.org","Cliquez")'
    action_financee.save()
    for adresse in (ACTIONS, FINANCEMENTS, SEANCES):
        for feuille in _classeur(client_connecte.get(adresse)).worksheets:
            assert all(cellule.data_type != "f" for rangee in feuille.iter_rows() for cellule in rangee)
        lignes = _csv(client_connecte.get(adresse, {"format": "csv"}))
        assert {ligne.get("titre") or ligne.get("action") for ligne in lignes} == {"'" + action_financee.titre}


# --- Sessions -------------------------------------------------------------------------------------


def test_the_sessions_of_an_action_with_their_state_and_counts(client_connecte, action_financee):
    action = action_financee
    SeanceFactory(
        action=action,
        date=datetime.date(2025, 10, 8),
        heure_debut=datetime.time(14, 30),
        annulee_le=timezone.now(),
        motif_annulation="Grève",
    )
    classeur = _classeur(client_connecte.get(f"/actions/{action.pk}/seances/export/"))
    feuille = classeur["Séances"]
    _mis_en_forme(feuille)
    saisie, annulee = _lignes(feuille)
    assert (saisie["État"].value, saisie["Code de l’état"].value) == ("Saisie", "saisie")
    assert (saisie["Enfants inscrits présents"].value, saisie["Enfants attendus"].value) == (0, 1)
    assert (annulee["État"].value, annulee["Motif de l’annulation"].value) == ("Annulée", "Grève")
    assert annulee["Heure de début"].number_format == "HH:MM"
    # A cancelled session counts nowhere: no expected children.
    assert annulee["Enfants attendus"].value is None
    (_, ligne) = _csv(client_connecte.get(f"/actions/{action.pk}/seances/export/", {"format": "csv"}))
    assert (ligne["date"], ligne["heure_debut"], ligne["etat"]) == ("08/10/2025", "14:30", "annulee")


# --- A month of attendance ------------------------------------------------------------------------


def un_mois_d_octobre(prefixe="", **champs):
    """October 2025: A comes on the 1st, misses the 15th; B, enrolled on the 10th, comes on the
    15th; C has no parental consent; the 8th is cancelled, the 22nd never saved; November apart.
    `prefixe` before the children's codes, for a second such month; `champs`, of the action."""
    action = ActionFactory(date_debut=datetime.date(2025, 9, 1), **champs)
    a = InscriptionFactory(
        action=action, participant__code=f"{prefixe}A00001", date_inscription=datetime.date(2025, 9, 1)
    )
    b = InscriptionFactory(
        action=action,
        participant__code=f"{prefixe}B00002",
        participant__niveau_scolaire=NiveauScolaire.SIXIEME,
        date_inscription=datetime.date(2025, 10, 10),
    )
    InscriptionFactory(
        action=action,
        participant__code=f"{prefixe}C00003",
        participant__date_consentement=None,
        date_inscription=datetime.date(2025, 9, 1),
    )
    premier = SeanceFactory(action=action, date=datetime.date(2025, 10, 1))
    PresenceFactory(seance=premier, participant=a.participant)
    SeanceFactory(
        action=action,
        date=datetime.date(2025, 10, 8),
        heure_debut=datetime.time(14, 0),
        annulee_le=timezone.now(),
        motif_annulation="Grève",
    )
    quinze = SeanceFactory(action=action, date=datetime.date(2025, 10, 15))
    PresenceFactory(seance=quinze, participant=b.participant)
    SeanceFactory(action=action, date=datetime.date(2025, 10, 22), a_saisir=True)
    SeanceFactory(action=action, date=datetime.date(2025, 11, 5))
    return action


@pytest.fixture
def mois_d_octobre():
    return un_mois_d_octobre()


def test_a_month_of_attendance_is_a_grid_of_children_by_sessions(client_connecte, mois_d_octobre):
    reponse = client_connecte.get(f"/actions/{mois_d_octobre.pk}/presences/export/", {"mois": "2025-10"})
    assert "no-store" in reponse["Cache-Control"]
    assert f"presences-action-{mois_d_octobre.pk}-2025-10-" in reponse["Content-Disposition"]
    classeur = _classeur(reponse)
    assert classeur.sheetnames == ["Présences", "Séances", "Mode d’emploi"]
    grille = classeur["Présences"]
    _mis_en_forme(grille)
    assert _entetes(grille) == [
        "Code de l’enfant",
        "Niveau scolaire",
        "Inscrit le",
        "Consentement parental le",
        "01/10/2025",
        "08/10/2025 14:00",
        "15/10/2025",
        "22/10/2025",
    ]
    lignes = [[cellule.value for cellule in rangee] for rangee in grille.iter_rows(min_row=2)]
    assert [ligne[:2] + ligne[4:] for ligne in lignes] == [
        ["A00001", "CM1", 1, ANNULEE, 0, None],
        ["B00002", "6e", PAS_ATTENDU, ANNULEE, 1, None],
        ["C00003", "CM1", PAS_ATTENDU, ANNULEE, PAS_ATTENDU, PAS_ATTENDU],
    ]
    seances = {ligne["Colonne"].value: ligne for ligne in _lignes(classeur["Séances"])}
    assert seances["08/10/2025 14:00"]["État"].value == "Annulée"
    assert seances["22/10/2025"]["État"].value == "À saisir"
    assert seances["15/10/2025"]["Enfants inscrits présents"].value == 1
    # The CSV holds the grid alone, the same cells.
    lignes_csv = _csv(
        client_connecte.get(f"/actions/{mois_d_octobre.pk}/presences/export/", {"mois": "2025-10", "format": "csv"})
    )
    assert [ligne["01/10/2025"] for ligne in lignes_csv] == ["1", PAS_ATTENDU, PAS_ATTENDU]
    assert [ligne["22/10/2025"] for ligne in lignes_csv] == ["", "", PAS_ATTENDU]


@pytest.mark.parametrize(
    "texte", [None, "", "2025-13", "1989-12", "2101-01", "10000000000000000000000-01", "x", "2025-10-01"]
)
def test_a_month_that_is_not_one_is_the_current_month(texte):
    aujourdhui = datetime.date(2026, 3, 12)
    assert Mois.depuis(texte, aujourdhui) == Mois(2026, 3)
    assert Mois.depuis("2025-10", aujourdhui).fin == datetime.date(2025, 10, 31)


def test_the_action_page_links_each_month_of_its_sessions(client_connecte, mois_d_octobre):
    page = client_connecte.get(f"/actions/{mois_d_octobre.pk}/").content.decode()
    adresse = f"/actions/{mois_d_octobre.pk}/presences/export/"
    assert f'href="{adresse}?mois=2025-10">octobre 2025</a>, <a href="{adresse}?mois=2025-11">novembre 2025</a>' in page


# --- Children ------------------------------------------------------------------------------------


def test_the_children_export_holds_their_codes_and_their_record_only(client_connecte, action_financee):
    enfant = action_financee.inscriptions.get().participant
    enfant.etablissement = EtablissementFactory(contrat=action_financee.porteur.contrat, nom="École Jaurès")
    enfant.quartier_residence = action_financee.quartiers.get()
    enfant.save()
    feuille = _classeur(client_connecte.get(ENFANTS))["Enfants"]
    _mis_en_forme(feuille)
    assert _entetes(feuille) == [
        "Code de l’enfant",
        "Sexe",
        "Code du sexe",
        "Année de naissance",
        "Niveau scolaire",
        "Code du niveau",
        "Raison d’un niveau inhabituel pour l’âge",
        "Établissement",
        "UAI",
        "Quartier de résidence",
        "Code du quartier de résidence",
        "Structure qui le suit",
        "Consentement parental le",
        "Le consentement couvre le questionnaire",
        "Anonymisé le",
        "Inscriptions",
    ]
    (ligne,) = _lignes(feuille)
    assert ligne["Code de l’enfant"].value == enfant.code
    assert (ligne["Niveau scolaire"].value, ligne["Code du niveau"].value) == ("CM1", "CM1")
    assert (ligne["Établissement"].value, ligne["UAI"].value) == ("École Jaurès", enfant.etablissement.uai)
    assert ligne["Code du quartier de résidence"].value == enfant.quartier_residence.code
    # A year is not a quantity: no thousands separator.
    assert (ligne["Année de naissance"].value, ligne["Année de naissance"].number_format) == (2016, "0")
    # The list's filters: a level no child has.
    assert _csv(client_connecte.get(ENFANTS, {"niveau": "TLE", "format": "csv"})) == []
    page = client_connecte.get("/participants/", {"niveau": "CM1"}).content.decode()
    assert f'href="{ENFANTS}?niveau=CM1&amp;format=xlsx"' in page


def test_only_officers_see_the_link_to_the_children_export(client, action_financee):
    animateur = _client(client, action_financee.porteur.contrat, Role.ANIMATEUR, structures=[action_financee.porteur])
    assert ENFANTS not in animateur.get("/participants/").content.decode()


# --- Queries ------------------------------------------------------------------------------------


def _grossir(action, fois):
    """`fois` more actions like this one, each with funding, sessions, children and presences."""
    for _ in range(fois):
        autre = ActionFactory(realisation=action.realisation, porteur=action.porteur, niveaux=["CP"])
        FinancementFactory(action=autre, source=action.financements.first().source)
        FinancementFactory(action=action, source=action.financements.first().source)
        enfant = InscriptionFactory(action=action).participant
        for date in (datetime.date(2025, 10, 1), datetime.date(2025, 10, 2)):
            SeanceFactory(action=autre, date=date)
            InscriptionFactory(action=autre)
        jour = datetime.date(2025, 10, 1) + datetime.timedelta(days=action.seances.count())
        PresenceFactory(seance=SeanceFactory(action=action, date=jour), participant=enfant)


@pytest.mark.parametrize("cle", list(REQUETES), ids=lambda cle: cle.strip("/").replace("/", "-"))
def test_each_export_costs_the_same_queries_when_its_data_grows_tenfold(
    client_connecte, action_financee, django_assert_num_queries, cle
):
    adresse = {
        "seances_action": f"/actions/{action_financee.pk}/seances/export/",
        "presences": f"/actions/{action_financee.pk}/presences/export/",
    }.get(cle, cle)
    parametres = {"mois": "2025-10"} if cle == "presences" else {}
    tailles = []
    for grossir in (1, 9):
        _grossir(action_financee, grossir)
        for extension in ("xlsx", "csv"):
            with django_assert_num_queries(REQUETES[cle]):
                reponse = client_connecte.get(adresse, {**parametres, "format": extension})
            assert reponse.status_code == 200
        tailles.append(len(reponse.content))
    assert tailles[1] > tailles[0]


# --- Typed parameters -----------------------------------------------------------------------------

PARAMETRES = ["format", "statut", "annee", "quartier", "realisation", "thematique", "porteur", "q", "archivees"]
PARAMETRES += ["mois", "niveau", "etablissement", "code", "page"]
VALEURS = st.one_of(
    st.sampled_from(["csv", "xlsx", "pdf", "", "2025-10", "2025-2026", "0", "-1", "99999999999999999999", "null"]),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parametres=st.dictionaries(st.sampled_from(PARAMETRES), VALEURS, max_size=5))
def test_no_typed_parameter_makes_an_export_fail(client_connecte, action_financee, parametres):
    for adresse in _adresses(action_financee):
        reponse = client_connecte.get(adresse, parametres)
        assert reponse.status_code == 200, (adresse, parametres)
        if parametres.get("format") == "csv":
            assert reponse.content.startswith("\ufeff".encode())
        else:
            load_workbook(io.BytesIO(reponse.content))
