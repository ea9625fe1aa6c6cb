"""Two people editing the same action or session: nothing saved by one is overwritten unseen by
the other.

Each save raises the record's `version` and writes a history row (django-simple-history); a
form sends the version it was loaded at. When someone else saved meanwhile, what the user saw
is read back from the history (the last row of that version), and the save is a three-way
merge: the fields the user changed are applied on top of what is saved now, the fields the
other person changed stay theirs. When both changed the same field to different values, nothing
is saved and the refusal shows, at the top and next to each such field, who saved what and when;
the form shown again carries the version saved now, so that saving again keeps the user's
values, knowingly, and shows the other person's values in the fields the user had not changed,
so that saving again does not undo them either.

A helper of actions.services, called once the action is locked, so that the version compared
and the values merged are the committed ones."""

import datetime
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

LONGUEUR_MONTREE = 120


class ModificationConcurrente(ValidationError):
    """A save refused because someone else changed the same fields since the form was loaded.
    For the form shown again: `version`, the one saved now, and `valeurs`, what the other
    person saved in the fields the user had not changed (ids for relations, sets of ids for
    many-to-many ones)."""

    def __init__(self, erreurs, *, version, valeurs):
        super().__init__(erreurs)
        self.version = version
        self.valeurs = valeurs


def changements_a_appliquer(*, objet, donnees, version, champs_m2m=()):
    """What of `donnees` to write on `objet`, as saved now and locked by the caller, from a form
    loaded at `version`: everything when nobody saved since, or when the caller states the
    record outright (version None); otherwise only what the user changed. Raises
    ModificationConcurrente when the user and someone else changed the same field."""
    if version is None or version == objet.version:
        return donnees
    modele = type(objet)
    vue = objet.history.filter(version=version).order_by("-history_date", "-history_id").first()
    actuelles = {nom: _valeur_actuelle(objet, nom, champs_m2m) for nom in donnees}
    soumises = {nom: _valeur_soumise(valeur, nom in champs_m2m) for nom, valeur in donnees.items()}
    if vue is None or version > objet.version:
        # What the user saw is unknown: every value of theirs that differs from the saved one
        # is a change on both sides.
        vues = {nom: object() for nom in donnees}
    else:
        vues = {nom: _valeur_historique(vue, modele, nom, champs_m2m) for nom in donnees}
    par_l_utilisateur = {nom for nom in donnees if not _egales(soumises[nom], vues[nom])}
    par_d_autres = [nom for nom in donnees if not _egales(actuelles[nom], vues[nom])]
    conflits = [nom for nom in par_d_autres if nom in par_l_utilisateur and not _egales(soumises[nom], actuelles[nom])]
    if conflits:
        raise _refus(objet, modele, version, par_d_autres, conflits, actuelles, par_l_utilisateur)
    return {nom: valeur for nom, valeur in donnees.items() if nom in par_l_utilisateur}


def _egales(une, autre):
    """Two values of a field; a list's order aside (the levels an action targets are a set the
    form sends in its own order)."""
    if isinstance(une, list) and isinstance(autre, list):
        return sorted(map(str, une)) == sorted(map(str, autre))
    return une == autre


def _valeur_actuelle(objet, nom, champs_m2m):
    if nom in champs_m2m:
        return frozenset(getattr(objet, nom).values_list("pk", flat=True))
    return getattr(objet, objet._meta.get_field(nom).attname)


def _valeur_historique(vue, modele, nom, champs_m2m):
    champ = modele._meta.get_field(nom)
    if nom in champs_m2m:
        # The history of a relation keeps its through rows, one set per history row.
        return frozenset(getattr(vue, nom).values_list(f"{champ.m2m_reverse_field_name()}_id", flat=True))
    return getattr(vue, champ.attname)


def _valeur_soumise(valeur, m2m):
    if m2m:
        return frozenset(getattr(element, "pk", element) for element in valeur)
    return getattr(valeur, "pk", valeur)


def _refus(objet, modele, version, par_d_autres, conflits, actuelles, par_l_utilisateur):
    lignes = list(
        objet.history.filter(version__gt=version).select_related("history_user").order_by("history_date", "history_id")
    )
    auteurs = list(dict.fromkeys(_nom(ligne.history_user) for ligne in lignes)) or ["Quelqu’un d’autre"]
    qui = " et ".join(auteurs) if len(auteurs) < 3 else ", ".join(auteurs[:-1]) + " et " + auteurs[-1]
    quand = f" (le {timezone.localtime(lignes[-1].history_date):%d/%m/%Y à %H:%M})" if lignes else ""
    lisibles = {nom: _lisible(modele, nom, actuelles[nom]) for nom in par_d_autres}
    changements = " ; ".join(
        f"{modele._meta.get_field(nom).verbose_name} : « {lisibles[nom]} »" for nom in par_d_autres
    )
    erreurs = {
        NON_FIELD_ERRORS: [
            f"{qui} a enregistré des modifications pendant que vous remplissiez ce formulaire{quand} : "
            f"{changements}. Rien n’a été enregistré : les champs signalés ont été modifiés des deux côtés. "
            "Vérifiez-les, puis enregistrez de nouveau pour garder vos valeurs."
        ]
    }
    for nom in conflits:
        erreurs[nom] = [f"Modifié entre-temps par {qui} : « {lisibles[nom]} »."]
    valeurs = {nom: actuelles[nom] for nom in par_d_autres if nom not in par_l_utilisateur}
    return ModificationConcurrente(erreurs, version=objet.version, valeurs=valeurs)


def _nom(utilisateur):
    if utilisateur is None:
        return "Quelqu’un d’autre"
    return utilisateur.get_full_name() or utilisateur.get_username()


def _lisible(modele, nom, valeur):
    """A saved value as the form shows it."""
    champ = modele._meta.get_field(nom)
    if champ.many_to_many:
        return ", ".join(sorted(str(objet) for objet in champ.related_model.objects.filter(pk__in=valeur))) or "aucun"
    if valeur is None or valeur == "" or valeur == []:
        return "vide"
    if champ.is_relation:
        return str(champ.related_model.objects.filter(pk=valeur).first() or "supprimé")
    if champ.choices:
        return str(dict(champ.flatchoices).get(valeur, valeur))
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, Decimal):
        # 40.00 as it is typed: « 40 », « 81,5 ».
        return f"{valeur.normalize():f}".replace(".", ",")
    if isinstance(valeur, dict):
        # A table stored as a whole (a bilan's compte rendu financier): the form shows it.
        return "modifié"
    if isinstance(valeur, list):
        return ", ".join(str(element) for element in valeur)
    texte = str(valeur)
    return texte if len(texte) <= LONGUEUR_MONTREE else texte[: LONGUEUR_MONTREE - 1] + "…"
