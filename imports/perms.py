"""Who may import what: whoever may write those records by hand (comptes.perms)."""

from comptes.perms import peut_piloter, peut_saisir

from .enums import NatureImport


def natures_permises(perimetre):
    """Children's records, an action's attendance and enrolments: those who record actions and
    children (an animateur, within
    their structures: the action is chosen among theirs); the indicators' external values: the
    officers, who set them by hand. Partners and porteurs import nothing."""
    natures = []
    if peut_saisir(perimetre):
        natures += [NatureImport.ENFANTS, NatureImport.PRESENCES, NatureImport.INSCRIPTIONS]
    if peut_piloter(perimetre):
        natures.append(NatureImport.VALEURS)
    return natures


def peut_importer(perimetre):
    """The import pages open to whoever may import at least one kind of file."""
    return bool(natures_permises(perimetre))
