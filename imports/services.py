"""Importing a spreadsheet, in two steps: `import_previsualiser` reads the file and says what it
would create, change or leave unchanged, row by row, and writes nothing but the import's own row
(the file kept for the second step); `import_confirmer` reads it again against the data as they
are then and, if that is still what the preview announced and no row is in error, writes it all
in one transaction, through the services that write those records by hand (actions.services,
indicateurs.services): consent, enrolment, closed years, summaries and history apply alike.

Not django-import-export: its resources write model rows, around those services' rules."""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Action

from . import enfants, inscriptions, presences, valeurs
from .apercus import INCHANGEE
from .enums import EtatImport, NatureImport
from .lecture import lire_fichier
from .models import ImportTableur

LECTEURS = {
    NatureImport.ENFANTS: enfants,
    NatureImport.PRESENCES: presences,
    NatureImport.INSCRIPTIONS: inscriptions,
    NatureImport.VALEURS: valeurs,
}
# The sheet each kind reads in an XLSX file with several (an export has its notes in others).
FEUILLES = {
    NatureImport.ENFANTS: "Enfants",
    NatureImport.PRESENCES: "Présences",
    NatureImport.INSCRIPTIONS: "Présences",
}
NATURES_D_UNE_ACTION = {NatureImport.PRESENCES, NatureImport.INSCRIPTIONS}
# A preview left unconfirmed is forgotten after this: its file is not kept for nothing.
DUREE_D_UN_APERCU = timedelta(days=1)


def _analyser(*, nature, contenu, nom, action, contrat, perimetre):
    tableau = lire_fichier(contenu=contenu, nom=nom, feuille=FEUILLES.get(nature))
    return LECTEURS[nature].analyser(tableau=tableau, action=action, contrat=contrat, perimetre=perimetre)


def _resultat(apercu):
    """What the preview page shows, kept with the import: the page shows what was announced, and
    the rows left unchanged only when it says why (a child perhaps entered twice)."""
    return {
        "lignes": [ligne.cle for ligne in apercu.lignes if ligne.statut != INCHANGEE or ligne.detail],
        "erreurs": [e.cle for e in apercu.erreurs],
    }


@transaction.atomic
def import_previsualiser(*, contrat, auteur, nature, nom, contenu, action=None, perimetre=None):
    """Read the file as the kind `nature` (for an action's attendance or enrolments, of
    `action`; for children's records, those the scope `perimetre` may open) and keep it with
    what importing it would do. A file that cannot be read is refused
    (ValidationError on « fichier »); errors of rows are part of the preview. Returns the import
    and its Apercu. The caller has checked that the user may write these records."""
    nature = NatureImport(nature)
    if nature in NATURES_D_UNE_ACTION and action is None:
        raise ValidationError(
            {"action": "Choisissez l’action dont le fichier donne les présences ou les inscriptions."}
        )
    apercu = _analyser(nature=nature, contenu=contenu, nom=nom, action=action, contrat=contrat, perimetre=perimetre)
    ImportTableur.objects.filter(
        auteur=auteur, etat=EtatImport.APERCU, cree_le__lt=timezone.now() - DUREE_D_UN_APERCU
    ).delete()
    import_tableur = ImportTableur.objects.create(
        contrat=contrat,
        auteur=auteur,
        nature=nature,
        action=action if nature in NATURES_D_UNE_ACTION else None,
        nom_du_fichier=nom[:255],
        contenu=contenu,
        empreinte_du_fichier=hashlib.sha256(contenu).hexdigest(),
        empreinte_de_l_apercu=apercu.empreinte,
        resultat=_resultat(apercu),
        nb_crees=apercu.nb_crees,
        nb_modifies=apercu.nb_modifies,
        nb_inchanges=apercu.nb_inchanges,
        nb_erreurs=len(apercu.erreurs),
    )
    return import_tableur, apercu


@transaction.atomic
def import_confirmer(*, import_tableur, auteur, perimetre=None):
    """Write what the preview announced, all or nothing (children's records: as the scope
    `perimetre` of the one who confirms reaches them). Refused, with nothing written: an import
    already written, a file with errors, or data changed since the preview so that the same file
    would now do something else (the refusal asks for a new preview). The action concerned is
    locked first, as its services lock it: a grid saved meanwhile waits or is seen."""
    import_tableur = (
        ImportTableur.objects.select_for_update(of=("self",)).select_related("contrat").get(pk=import_tableur.pk)
    )
    if import_tableur.etat == EtatImport.CONFIRME:
        raise ValidationError("Ce fichier est déjà importé : rien n’a été enregistré de nouveau.")
    action = None
    if import_tableur.action_id:
        action = (
            Action.objects.select_for_update(of=("self",)).select_related("porteur").get(pk=import_tableur.action_id)
        )
    apercu = _analyser(
        nature=import_tableur.nature,
        contenu=bytes(import_tableur.contenu),
        nom=import_tableur.nom_du_fichier,
        action=action,
        contrat=import_tableur.contrat,
        perimetre=perimetre,
    )
    if apercu.empreinte != import_tableur.empreinte_de_l_apercu:
        raise ValidationError(
            "Les données ont changé depuis l’aperçu (quelqu’un a enregistré entre-temps) : importer ce fichier "
            "ne ferait plus ce que l’aperçu annonçait. Rien n’a été enregistré. Relancez l’aperçu pour voir ce "
            "qu’il ferait maintenant."
        )
    if apercu.erreurs:
        raise ValidationError(
            f"Le fichier compte {len(apercu.erreurs)} erreur(s) : rien n’a été enregistré. Corrigez-les dans votre "
            "tableur, puis déposez-le de nouveau."
        )
    LECTEURS[import_tableur.nature].ecrire(apercu=apercu, action=action, contrat=import_tableur.contrat, auteur=auteur)
    import_tableur.etat = EtatImport.CONFIRME
    import_tableur.confirme_le = timezone.now()
    import_tableur.save(update_fields=["etat", "confirme_le"])
    return import_tableur
