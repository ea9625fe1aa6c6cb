"""Writes of the reference data and of the closures of school years. Each public function runs
in one transaction."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .clotures import cloture_de, raisons_de_ne_pas_cloturer, rentree
from .enums import NiveauLien, Rubrique
from .models import (
    Axe,
    ClotureAnnee,
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
    Thematique,
)
from .reference import chercher, par_cle, sans_doublon


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

    def a_charger(self, objet):
        """A fiche's contents are loaded when it is new or when the load overwrites: otherwise
        they belong to the administrators."""
        return self.ecraser or (type(objet), objet.pk) in self.nouveaux

    @property
    def inchange(self):
        return not (self.crees or self.modifies or self.supprimes)


def verifier(objet):
    """Validate a row before it is written, the refusal naming the row: a reference file's rows
    are not typed in a form, whose fields would say which one is wrong."""
    try:
        objet.full_clean()
    except ValidationError as erreur:
        raise ValidationError(
            f"{type(objet)._meta.verbose_name.capitalize()} « {objet} » : {' '.join(erreur.messages)}"
        ) from erreur


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
    verifier(objet)
    objet.save()
    bilan.compter(compteur, modele)
    if compteur is bilan.crees:
        bilan.nouveaux.add((modele, objet.pk))
    return objet


def synchroniser_m2m(bilan, objet, nom_champ, cibles):
    relation = getattr(objet, nom_champ)
    if set(relation.all()) != set(cibles):
        relation.set(cibles)
        bilan.compter(bilan.modifies, type(objet))


def _synchroniser_liste(bilan, modele, parent, lignes):
    """Rows of a fiche section, numbered in the file's order; rows no longer in the file go."""
    sans_doublon([cles for cles, _ in lignes], f"Une ligne de « {modele._meta.verbose_name_plural} »")
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


def contrat_charger(*, bilan, donnees):
    """Load a contract's structure, themes and fiches with their sections; returns the contract
    and the fiches loaded, by code, with their part of the file (the layers above link their
    partners, dispositifs and indicators to them)."""
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
        for p in par_cle(donnees.get("piliers", []), "code", "Le pilier")
    }
    axes = {
        a["code"]: synchroniser(
            bilan,
            Axe,
            {"pilier": chercher(piliers, a["pilier"], "Le pilier"), "code": a["code"]},
            {"intitule": a.get("intitule", ""), "ordre": a.get("ordre", 0)},
        )
        for a in par_cle(donnees.get("axes", []), "code", "L’axe")
    }
    enjeux = {
        e["code"]: synchroniser(
            bilan,
            Enjeu,
            {"axe": chercher(axes, e["axe"], "L’axe"), "code": e["code"]},
            {"intitule": e["intitule"], "ordre": e.get("ordre", 0)},
        )
        for e in par_cle(donnees.get("enjeux", []), "code", "L’enjeu")
    }
    for ordre, t in enumerate(par_cle(donnees.get("thematiques", []), "code", "La thématique"), start=1):
        synchroniser(bilan, Thematique, {"code": t["code"]}, {"libelle": t["libelle"], "ordre": ordre})

    fiches = {}
    for f in par_cle(donnees.get("fiches", []), "code", "La fiche"):
        fiche = synchroniser(
            bilan,
            Fiche,
            {"code": f["code"]},
            {"enjeu": chercher(enjeux, f["enjeu"], "L’enjeu"), "titre": f["titre"], "ordre": f.get("ordre", 0)},
            parmi=Fiche.objects.du_contrat(contrat),
        )
        fiches[f["code"]] = (fiche, f)
    # Sections come after every fiche exists, so that a link can point to a fiche loaded later.
    for fiche, f in fiches.values():
        if bilan.a_charger(fiche):
            _charger_sections(bilan, fiche, f, axes=axes, enjeux=enjeux, fiches=fiches)
    return contrat, fiches


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
                    "fiche_liee": chercher(fiches, lien["fiche"], "La fiche")[0] if lien.get("fiche") else None,
                },
            )
            for lien in f.get("liens", [])
        ],
    )


@transaction.atomic
def annee_cloturer(*, contrat, annee, auteur, bilans_en_attente, aujourdhui=None):
    """Close a finished school year of the contract. The contract is locked first: the writes of
    that year under way finish before, those that follow wait, then are refused.
    `bilans_en_attente(contrat=, annee=)`, from the layer that records bilans, gives the titles
    of the dossiers whose bilan the year waits for, read under the same lock (no bilan is
    validated or returned meanwhile unseen); pages and commands call
    dossiers.services.annee_cloturer, which passes it."""
    contrat = Contrat.objects.select_for_update().get(pk=getattr(contrat, "pk", contrat))
    cloture = cloture_de(contrat=contrat, annee=annee)
    raisons = raisons_de_ne_pas_cloturer(
        annee=annee,
        cloture=cloture,
        aujourdhui=aujourdhui or timezone.localdate(),
        contrat=contrat,
        bilans_en_attente=bilans_en_attente,
    )
    if raisons:
        raise ValidationError(raisons)
    cloture = cloture or ClotureAnnee(contrat=contrat, annee_scolaire=rentree(annee))
    cloture.cloturee, cloture.cloturee_le, cloture.cloturee_par = True, timezone.now(), auteur
    cloture._change_reason = "Année clôturée"
    cloture.save()
    return cloture


@transaction.atomic
def annee_rouvrir(*, cloture, motif, auteur=None):
    """Reopen a closed year, with the reason, kept in the history with who reopened it: its
    figures may change again until it is closed again."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif_reouverture": "Indiquez pourquoi l’année est rouverte."})
    Contrat.objects.select_for_update().filter(pk=cloture.contrat_id).values_list("pk").get()
    cloture.refresh_from_db()
    if not cloture.cloturee:
        raise ValidationError(f"L’année scolaire {cloture.libelle} est déjà ouverte.")
    cloture.cloturee = False
    # Its figures may change again: the public bilan of a year must only show final ones.
    cloture.publiee = False
    cloture.motif_reouverture = motif
    cloture._change_reason = f"Année rouverte : {motif}"[:100]
    if auteur is not None:
        cloture._history_user = auteur
    cloture.save()
    return cloture


@transaction.atomic
def annee_publier(*, cloture, auteur):
    """Put the public bilan of a closed year online. Only final figures are published: the
    year's closure row is read again under the contract's lock, so that a reopening under way
    is seen."""
    Contrat.objects.select_for_update().filter(pk=cloture.contrat_id).values_list("pk").get()
    cloture.refresh_from_db()
    if not cloture.cloturee:
        raise ValidationError(
            f"L’année scolaire {cloture.libelle} a été rouverte : clôturez-la avant de publier son bilan."
        )
    if cloture.publiee:
        raise ValidationError(f"Le bilan de l’année scolaire {cloture.libelle} est déjà publié.")
    cloture.publiee, cloture.publiee_le, cloture.publiee_par = True, timezone.now(), auteur
    cloture._change_reason = "Bilan public mis en ligne"
    cloture._history_user = auteur
    cloture.save()
    return cloture


@transaction.atomic
def annee_depublier(*, cloture, auteur):
    """Take the public bilan of a year offline (its figures stay final)."""
    Contrat.objects.select_for_update().filter(pk=cloture.contrat_id).values_list("pk").get()
    cloture.refresh_from_db()
    if not cloture.publiee:
        raise ValidationError(f"Le bilan de l’année scolaire {cloture.libelle} n’est pas publié.")
    cloture.publiee = False
    cloture._change_reason = "Bilan public retiré"
    cloture._history_user = auteur
    cloture.save()
    return cloture


@dataclass
class ImportContours:
    """What an import of contours did or, in a dry run, would do: codes of the quartiers whose
    outline is added or changed, unchanged, and of those left without one."""

    appliquer: bool
    ajoutes: list = field(default_factory=list)
    modifies: list = field(default_factory=list)
    inchanges: list = field(default_factory=list)
    sans_contour: list = field(default_factory=list)


@transaction.atomic
def contours_importer(*, contours, appliquer=False, auteur=None, contrat=None):
    """Give the application's quartiers the outlines of `contours` ({code: {"nom", "geometrie"}},
    fiches.contours.lire_contours), matched by their official code, unique across contracts
    (or only `contrat`'s). Without `appliquer`, nothing is written: the result says what would
    change. An outline is never removed, and a quartier is neither created nor renamed here;
    saving only what differs keeps the history to real changes."""
    quartiers = (Quartier.objects.all() if contrat is None else contrat.quartiers.all()).avec_contour()
    if appliquer:
        quartiers = quartiers.select_for_update()
    resultat = ImportContours(appliquer=appliquer)
    for quartier in quartiers.order_by("code"):
        contour = contours.get(quartier.code)
        if contour is None:
            if not quartier.contour:
                resultat.sans_contour.append(quartier.code)
            continue
        if quartier.contour == contour["geometrie"]:
            resultat.inchanges.append(quartier.code)
            continue
        (resultat.modifies if quartier.contour else resultat.ajoutes).append(quartier.code)
        if appliquer:
            quartier.contour = contour["geometrie"]
            quartier._change_reason = "Contour importé du fichier des contours des QPV"
            if auteur is not None:
                quartier._history_user = auteur
            quartier.save(update_fields=["contour"])
    return resultat


@transaction.atomic
def quartiers_importer(*, contrat, lignes, raison):
    """Create or update the contract's quartiers from the official list: each of `lignes` is
    {"quartier": the existing one or None, "code", "nom", "communes": [(code INSEE, nom)]}.
    Missing communes are created, and every commune of an imported quartier joins the
    contract's communes. Nothing is deleted: a quartier the list no longer names may still
    count actions and children. `raison` goes into each history row written."""
    Contrat.objects.select_for_update().filter(pk=contrat.pk).values_list("pk").get()
    codes = {code for ligne in lignes for code, _ in ligne["communes"]}
    communes = Commune.objects.in_bulk(codes, field_name="code_insee")
    for ligne in lignes:
        for code, nom in ligne["communes"]:
            if code not in communes:
                commune = Commune(code_insee=code, nom=nom)
                verifier(commune)
                commune._change_reason = raison
                commune.save()
                communes[code] = commune
    contrat.communes.add(*(communes[code] for code in codes))
    for ligne in lignes:
        quartier = ligne["quartier"] or Quartier(contrat=contrat)
        quartier.code, quartier.nom = ligne["code"], ligne["nom"]
        verifier(quartier)
        quartier._change_reason = raison
        quartier.save()
        cibles = {communes[code] for code, _ in ligne["communes"]}
        if set(quartier.communes.all()) != cibles:
            quartier.communes.set(cibles)
