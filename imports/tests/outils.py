"""What the import tests share: a month of an action (as the month export's tests build it), the
files a spreadsheet would write, and the two steps of an import."""

import csv
import io

from django.contrib.auth import get_user_model
from openpyxl import Workbook

from actions import exports, selectors
from actions.tests.test_exports import un_mois_d_octobre
from fiches.models import RealisationAttendue
from fiches.tableurs import en_classeur, en_csv
from partenaires.models import Structure

from ..services import import_confirmer, import_previsualiser


def export_du_mois(action, mois=(2025, 10), format="xlsx"):
    """The month's export as its page writes it, XLSX or CSV."""
    mois = exports.Mois(*mois)
    grille = selectors.presences_du_mois(action=action, debut=mois.debut, fin=mois.fin)
    feuilles = exports.presences_du_mois(action, mois, grille)
    return en_classeur(feuilles) if format == "xlsx" else en_csv(feuilles[0])


def csv_francais(lignes, encodage="utf-8-sig"):
    """Rows as French Excel saves them: « ; », CRLF, UTF-8 with BOM (or cp1252)."""
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return tampon.getvalue().encode(encodage)


def classeur(lignes):
    """Rows as one sheet of an XLSX file, values as given (dates, numbers, text)."""
    classeur_ = Workbook()
    for ligne in lignes:
        classeur_.active.append(ligne)
    tampon = io.BytesIO()
    classeur_.save(tampon)
    return tampon.getvalue()


def auteur():
    return get_user_model().objects.get_or_create(username="agent-import")[0]


def previsualiser(contenu, *, action=None, nature="presences", nom="mois.xlsx", contrat=None):
    contrat = contrat or action.porteur.contrat
    return import_previsualiser(
        contrat=contrat, auteur=auteur(), nature=nature, nom=nom, contenu=contenu, action=action
    )


def importer(contenu, **kwargs):
    """Both steps; returns the import and its preview."""
    import_tableur, apercu = previsualiser(contenu, **kwargs)
    assert not apercu.erreurs, apercu.erreurs
    return import_confirmer(import_tableur=import_tableur, auteur=auteur()), apercu


def mois_d_une_structure(contrat, nom, prefixe=""):
    """actions' month of October for an action of fiche 1.2.3 run by the structure `nom` of the contract."""
    structure = Structure.objects.get(contrat=contrat, nom=nom)
    return un_mois_d_octobre(
        prefixe,
        realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1"),
        porteur=structure,
        quartiers=list(structure.quartiers.all()),
    )
