"""Writes of the reference data. Each public function runs in one transaction."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from partenaires.models import Dispositif, Partenaire, SourceFinancement, TypeStructure

from .enums import NiveauLien, Role, Rubrique
from .models import (
    Axe,
    Contrat,
    EffetAttendu,
    Enjeu,
    EnonceIndicateur,
    Fiche,
    LienFiche,
    ParagrapheFiche,
    Pilier,
    RealisationAttendue,
    Thematique,
)

FICHIER_REFERENCE = Path(__file__).resolve().parent / "donnees" / "fiche-1.2.3.toml"


@dataclass
class Bilan:
    """What a load did, counted per model, so that a second run can show it changed nothing.

    Without `ecraser`, a load only adds what is missing: once loaded, the reference belongs to
    the administrators, and a deployment that loads the file again must not undo their edits.
    With `ecraser`, every row is realigned on the file and rows the file no longer has go."""

    ecraser: bool = False
    crees: dict = field(default_factory=dict)
    modifies: dict = field(default_factory=dict)
    supprimes: dict = field(default_factory=dict)
    nouveaux: set = field(default_factory=set)

    def compter(self, compteur, modele, nombre=1):
        nom = str(modele._meta.verbose_name_plural)
        compteur[nom] = compteur.get(nom, 0) + nombre

    @property
    def inchange(self):
        return not (self.crees or self.modifies or self.supprimes)


def synchroniser(bilan, modele, cles, valeurs, *, parmi=None):
    """Create or update one row, saving only when a value differs so history stays quiet."""
    objet = (modele.objects if parmi is None else parmi).filter(**cles).first()
    if objet is None:
        objet = modele(**cles, **valeurs)
        compteur = bilan.crees
    elif not bilan.ecraser:
        return objet
    else:
        differences = {nom: valeur for nom, valeur in valeurs.items() if getattr(objet, nom) != valeur}
        if not differences:
            return objet
        for nom, valeur in differences.items():
            setattr(objet, nom, valeur)
        compteur = bilan.modifies
    try:
        objet.full_clean()
    except ValidationError as erreur:
        raise ValidationError(
            f"{modele._meta.verbose_name.capitalize()} « {objet} » : {' '.join(erreur.messages)}"
        ) from erreur
    objet.save()
    bilan.compter(compteur, modele)
    if compteur is bilan.crees:
        bilan.nouveaux.add((modele, objet.pk))
    return objet


def _synchroniser_m2m(bilan, objet, nom_champ, cibles):
    relation = getattr(objet, nom_champ)
    if set(relation.all()) != set(cibles):
        relation.set(cibles)
        bilan.compter(bilan.modifies, type(objet))


def _synchroniser_liste(bilan, modele, parent, lignes):
    """Rows of a fiche section, numbered in the file's order; rows no longer in the file go."""
    _sans_doublon([cles for cles, _ in lignes], f"Une ligne de « {modele._meta.verbose_name_plural} »")
    gardes = []
    for ordre, (cles, valeurs) in enumerate(lignes, start=1):
        if "ordre" not in cles:
            valeurs = {"ordre": ordre, **valeurs}
        objet = synchroniser(bilan, modele, {"fiche": parent, **cles}, valeurs)
        gardes.append(objet.pk)
    if not bilan.ecraser:
        return
    en_trop = modele.objects.filter(fiche=parent).exclude(pk__in=gardes)
    nombre = len(en_trop)
    if nombre:
        for objet in en_trop:
            objet.delete()
        bilan.compter(bilan.supprimes, modele, nombre)


def lire_reference(chemin=FICHIER_REFERENCE):
    try:
        with open(chemin, "rb") as fichier:
            return tomllib.load(fichier)
    except UnicodeDecodeError as erreur:
        raise ValidationError(f"Le fichier {chemin} n’est pas encodé en UTF-8.") from erreur
    except tomllib.TOMLDecodeError as erreur:
        raise ValidationError(f"Le fichier {chemin} n’est pas un TOML valide : {erreur}") from erreur


def _sans_doublon(cles, libelle):
    vues = []
    for cle in cles:
        if cle in vues:
            raise ValidationError(f"{libelle} apparaît deux fois dans le fichier : {cle}.")
        vues.append(cle)


def _par_cle(elements, cle, libelle):
    """The file's elements indexed by their key, refusing a key given twice (one would be lost)."""
    _sans_doublon([element[cle] for element in elements], libelle)
    return elements


def _chercher(table, cle, libelle):
    try:
        return table[cle]
    except KeyError:
        raise ValidationError(f"{libelle} « {cle} » est cité mais n’est pas défini dans le fichier.") from None


@transaction.atomic
def charger_reference(*, donnees, ecraser=False):
    """Load a contract's structure, partners and fiches; a second run with the same data changes nothing."""
    bilan = Bilan(ecraser=ecraser)
    infos_contrat = dict(donnees["contrat"])
    contrat = synchroniser(bilan, Contrat, {"code": infos_contrat.pop("code")}, infos_contrat)

    piliers = {
        p["code"]: synchroniser(
            bilan,
            Pilier,
            {"contrat": contrat, "code": p["code"]},
            {
                "intitule": p.get("intitule", ""),
                "transversal": p.get("transversal", False),
                "ordre": p.get("ordre", 0),
            },
        )
        for p in _par_cle(donnees.get("piliers", []), "code", "Le pilier")
    }
    axes = {
        a["code"]: synchroniser(
            bilan,
            Axe,
            {"pilier": _chercher(piliers, a["pilier"], "Le pilier"), "code": a["code"]},
            {"intitule": a.get("intitule", ""), "ordre": a.get("ordre", 0)},
        )
        for a in _par_cle(donnees.get("axes", []), "code", "L’axe")
    }
    enjeux = {
        e["code"]: synchroniser(
            bilan,
            Enjeu,
            {"axe": _chercher(axes, e["axe"], "L’axe"), "code": e["code"]},
            {"intitule": e["intitule"], "ordre": e.get("ordre", 0)},
        )
        for e in _par_cle(donnees.get("enjeux", []), "code", "L’enjeu")
    }
    partenaires = {
        p["nom"]: synchroniser(
            bilan,
            Partenaire,
            {"contrat": contrat, "nom": p["nom"]},
            {"sigle": p.get("sigle", ""), "type": p["type"], "description": p.get("description", "")},
        )
        for p in _par_cle(donnees.get("partenaires", []), "nom", "Le partenaire")
    }
    types_acteurs = {
        t["libelle"]: synchroniser(
            bilan,
            TypeStructure,
            {"libelle": t["libelle"]},
            {"description": t.get("description", ""), "scolaire": t.get("scolaire", False), "ordre": t.get("ordre", 0)},
        )
        for t in _par_cle(donnees.get("types_acteurs", []), "libelle", "Le type d’acteur")
    }
    for ordre, t in enumerate(_par_cle(donnees.get("thematiques", []), "code", "La thématique"), start=1):
        synchroniser(bilan, Thematique, {"code": t["code"]}, {"libelle": t["libelle"], "ordre": ordre})
    dispositifs = {
        d["code"]: synchroniser(
            bilan,
            Dispositif,
            {"code": d["code"]},
            {
                "sigle": d.get("sigle", ""),
                "nom": d["nom"],
                "description": d.get("description", ""),
                "pilote": d.get("pilote", ""),
                "ordre": d.get("ordre", 0),
            },
        )
        for d in _par_cle(donnees.get("dispositifs", []), "code", "Le dispositif")
    }
    sources = {
        s["libelle"]: synchroniser(
            bilan,
            SourceFinancement,
            {"contrat": contrat, "libelle": s["libelle"]},
            {
                "categorie": s["categorie"],
                "financeur": _chercher(partenaires, s["financeur"], "Le partenaire") if s.get("financeur") else None,
                "ordre": s.get("ordre", 0),
            },
        )
        for s in _par_cle(donnees.get("sources_financement", []), "libelle", "La source de financement")
    }

    fiches = {}
    for f in _par_cle(donnees.get("fiches", []), "code", "La fiche"):
        enjeu = _chercher(enjeux, f["enjeu"], "L’enjeu")
        fiche = synchroniser(
            bilan,
            Fiche,
            {"code": f["code"]},
            {"enjeu": enjeu, "titre": f["titre"], "ordre": f.get("ordre", 0)},
            parmi=Fiche.objects.du_contrat(contrat),
        )
        fiches[f["code"]] = (fiche, f)
        if not (bilan.ecraser or (Fiche, fiche.pk) in bilan.nouveaux):
            continue
        for nom_champ, table, libelle in [
            ("partenaires", partenaires, "Le partenaire"),
            ("types_acteurs", types_acteurs, "Le type d’acteur"),
            ("dispositifs", dispositifs, "Le dispositif"),
            ("sources_financement", sources, "La source de financement"),
        ]:
            cibles = [_chercher(table, cle, libelle) for cle in f.get(nom_champ, [])]
            _synchroniser_m2m(bilan, fiche, nom_champ, cibles)

    # Sections come after every fiche exists, so that a link can point to a fiche loaded later.
    for fiche, f in fiches.values():
        if bilan.ecraser or (Fiche, fiche.pk) in bilan.nouveaux:
            _charger_sections(bilan, fiche, f, axes=axes, enjeux=enjeux, fiches=fiches)
    return contrat, bilan


def _charger_sections(bilan, fiche, f, *, axes, enjeux, fiches):
    rubriques = f.get("rubriques", {})
    inconnues = set(rubriques) - set(Rubrique.values)
    if inconnues:
        raise ValidationError(f"Rubrique inconnue dans la fiche {fiche.code} : {', '.join(sorted(inconnues))}.")
    _synchroniser_liste(
        bilan,
        ParagrapheFiche,
        fiche,
        [
            ({"rubrique": rubrique, "ordre": ordre}, {"texte": texte})
            for rubrique in Rubrique.values
            for ordre, texte in enumerate(rubriques.get(rubrique, []), start=1)
        ],
    )
    _synchroniser_liste(
        bilan,
        RealisationAttendue,
        fiche,
        [
            ({"code": r["code"]}, {"intitule_court": r["intitule_court"], "libelle": r["libelle"]})
            for r in f.get("realisations_attendues", [])
        ],
    )
    _synchroniser_liste(
        bilan,
        EffetAttendu,
        fiche,
        [({"code": e["code"]}, {"libelle": e["libelle"]}) for e in f.get("effets_attendus", [])],
    )
    _synchroniser_liste(
        bilan,
        EnonceIndicateur,
        fiche,
        [({"code": i["code"]}, {"nature": i["nature"], "libelle": i["libelle"]}) for i in f.get("indicateurs", [])],
    )
    _synchroniser_liste(
        bilan,
        LienFiche,
        fiche,
        [
            (
                {"niveau": lien["niveau"], "code": lien["code"]},
                {
                    "libelle": lien["libelle"],
                    "complement": lien.get("complement", ""),
                    "axe": axes.get(lien["code"]) if lien["niveau"] == NiveauLien.AXE else None,
                    "enjeu": enjeux.get(lien["code"]) if lien["niveau"] == NiveauLien.ENJEU else None,
                    "fiche_liee": _chercher(fiches, lien["fiche"], "La fiche")[0] if lien.get("fiche") else None,
                },
            )
            for lien in f.get("liens", [])
        ],
    )


# What each role may do in the Django admin. Only administrators reach the admin; the other
# roles work in the application's own pages. Administrators manage accounts but not the roles'
# permissions, and cannot make anyone a superuser (see UtilisateurAdmin).
APPLICATIONS_DE_REFERENCE = {"fiches", "partenaires", "comptes", "indicateurs"}
PERMISSIONS_COMPTES = {"view_user", "add_user", "change_user", "view_group"}
# Administrators unlock an account blocked after failed logins by deleting its attempts.
PERMISSIONS_CONNEXIONS = {"view_accessattempt", "delete_accessattempt", "view_accesslog", "view_accessfailurelog"}


@transaction.atomic
def synchroniser_roles():
    """One group per role, with the admin permissions of that role; safe to run after every migrate."""
    for role in Role:
        groupe, _ = Group.objects.get_or_create(name=role.label)
        if role == Role.ADMINISTRATEUR:
            groupe.permissions.set(
                Permission.objects.filter(content_type__app_label__in=APPLICATIONS_DE_REFERENCE)
                | Permission.objects.filter(content_type__app_label="auth", codename__in=PERMISSIONS_COMPTES)
                | Permission.objects.filter(content_type__app_label="axes", codename__in=PERMISSIONS_CONNEXIONS)
            )
        else:
            groupe.permissions.clear()
