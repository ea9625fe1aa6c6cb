"""Children's records, in the columns of the children's export (actions.exports.COLONNES_ENFANTS),
which reads back unchanged: a row per child, the labels as the export writes them (or the codes of
its code columns), its columns « Anonymisé le » and « Inscriptions » ignored, plus a column
« Autre enfant au même profil ». A row with a code changes that child, found among the children
the importer may open (an unknown code and one outside their scope get the same answer); a row
without one is a new child, who gets a code when written.

A new child with the profile of one the structure already follows (actions.selectors
PROFIL_D_UN_DOUBLON), or of an earlier new row of the file, is perhaps the same child: as the form
asks to confirm, the row is left aside, listed with that child, unless its column « Autre enfant au
même profil » says « oui ». A file of new children imported twice thus creates them once.

Written through actions.services.participant_enregistrer, a call per row created or changed: a
closed year, a consent after a presence are refused there as in the form, and the counters follow.
The level against the birth year is checked here as the form checks it, a reason in its column."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from actions.enums import EcartDeNiveau, NiveauScolaire, Sexe
from actions.exports import COLONNES_ENFANTS
from actions.models import Participant
from actions.niveaux import annees_de_naissance_possibles, ecart_de_niveau
from actions.selectors import PROFIL_D_UN_DOUBLON, participants_visibles, structures_de_travail
from actions.services import participant_enregistrer
from fiches.annees import AnneeScolaire
from fiches.models import Quartier
from partenaires.models import Etablissement

from .apercus import CREEE, INCHANGEE, MODIFIEE, Apercu, LigneApercu, cellule, colonnes_connues, normaliser
from .lecture import CelluleIllisible, Erreur, lire_date, texte

TITRES = {colonne.cle: colonne.titre for colonne in COLONNES_ENFANTS} | {"autre": "Autre enfant au même profil"}
ATTENDUES = {cle: (cle, titre) for cle, titre in TITRES.items()}
# Columns read as one value: the label the export writes, or the code beside it.
PAIRES = {
    "sexe": ("sexe_libelle", "sexe"),
    "niveau_scolaire": ("niveau_libelle", "niveau"),
    "etablissement": ("etablissement", "uai"),
    "quartier_residence": ("quartier_residence", "code_quartier_residence"),
}
OBLIGATOIRES = [("sexe_libelle", "sexe"), ("annee_naissance",), ("niveau_libelle", "niveau"), ("structure",)]
HORS_QUARTIER = "Hors quartier prioritaire"
OUI = {"oui", "o", "x", "1", "vrai"}


def _choix(choices):
    """A choice by its label or its code, as compared (normaliser)."""
    return {normaliser(str(libelle)): valeur for valeur, libelle in choices} | {
        normaliser(valeur): valeur for valeur, _ in choices
    }


def _par_nom(objets, nom, code):
    """The records by their name (None when two share it: the code then says which) and by code."""
    noms, codes = {}, {}
    for objet in objets:
        cle = normaliser(getattr(objet, nom))
        noms[cle] = None if cle in noms else objet
        codes[normaliser(getattr(objet, code))] = objet
    return noms, codes


class _Ligne:
    """One row being read: its cells by column, and the errors found, named by column as the
    file heads it (the CSV key of a code column, « sexe », is the XLSX title of its label's)."""

    def __init__(self, numero, cellules, tableau, rangs, erreurs):
        self.numero, self.erreurs, self.avant = numero, erreurs, len(erreurs)
        self.lu = {cle: cellule(cellules, rangs.get(cle)) for cle in TITRES}
        self.titres = {cle: tableau.entetes[rang] for cle, rang in rangs.items()}

    def texte(self, cle):
        return texte(self.lu[cle])

    def refuser(self, cle, raison):
        self.erreurs.append(Erreur(self.numero, self.titres.get(cle, TITRES[cle]), self.texte(cle), raison))

    @property
    def en_erreur(self):
        return len(self.erreurs) > self.avant

    def paire(self, champ, libelles, codes, quoi):
        """The value named by the label, the code, or both when they agree; `None` when empty."""
        colonne_libelle, colonne_code = PAIRES[champ]
        trouves = {}
        for colonne, table in ((colonne_libelle, libelles), (colonne_code, codes)):
            lu = self.texte(colonne)
            if lu:
                trouve = table.get(normaliser(lu))
                if trouve is None and normaliser(lu) in table:
                    return self.refuser(colonne, "ce nom en désigne plusieurs : écrivez plutôt le code dans sa colonne")
                if trouve is None:
                    return self.refuser(colonne, f"aucun {quoi} n’est écrit ainsi")
                trouves[colonne] = trouve
        if len(set(map(id, trouves.values()))) > 1:
            return self.refuser(
                colonne_code, f"le code et le libellé ne désignent pas le même {quoi} : videz l’un des deux"
            )
        return next(iter(trouves.values()), None)


def _lire_ligne(ligne, references, aujourdhui):
    """The child's fields read from the row, or None after adding its errors."""
    structures, etablissements, quartiers = references
    donnees = {}
    sexe = _choix(Sexe.choices)
    donnees["sexe"] = ligne.paire("sexe", sexe, sexe, "sexe")
    niveaux = _choix(NiveauScolaire.choices)
    donnees["niveau_scolaire"] = ligne.paire("niveau_scolaire", niveaux, niveaux, "niveau scolaire")
    for champ, quoi in (("sexe", "le sexe"), ("niveau_scolaire", "le niveau scolaire")):
        if not any(ligne.texte(colonne) for colonne in PAIRES[champ]):
            ligne.refuser(PAIRES[champ][0], f"{quoi} manque")
    donnees["etablissement"] = ligne.paire("etablissement", *etablissements, "établissement du contrat")
    if normaliser(ligne.texte("quartier_residence")) == normaliser(HORS_QUARTIER):
        ligne.lu["quartier_residence"] = None
    donnees["quartier_residence"] = ligne.paire("quartier_residence", *quartiers, "quartier du contrat")
    donnees["structure"] = structures.get(normaliser(ligne.texte("structure")))
    if donnees["structure"] is None:
        ligne.refuser("structure", "ce n’est pas une des structures pour lesquelles vous saisissez")
    possibles = annees_de_naissance_possibles(aujourdhui)
    annee = ligne.texte("annee_naissance")
    donnees["annee_naissance"] = int(annee) if annee.isdigit() else None
    if donnees["annee_naissance"] not in possibles:
        ligne.refuser("annee_naissance", f"année de naissance attendue, de {possibles[0]} à {possibles[-1]}")
    ecart = ligne.texte("ecart_niveau")
    donnees["ecart_niveau"] = _choix(EcartDeNiveau.choices).get(normaliser(ecart), "") if ecart else ""
    if ecart and not donnees["ecart_niveau"]:
        ligne.refuser(
            "ecart_niveau", "raison inconnue : " + ", ".join(str(libelle) for _, libelle in EcartDeNiveau.choices)
        )
    try:
        donnees["date_consentement"] = lire_date(ligne.lu["date_consentement"])
        if donnees["date_consentement"] and donnees["date_consentement"] > aujourdhui:
            raise CelluleIllisible("la date du consentement ne peut pas être dans le futur")
    except CelluleIllisible as erreur:
        ligne.refuser("date_consentement", str(erreur))
    return None if ligne.en_erreur else donnees


def _verifier_le_niveau(ligne, donnees, enfant):
    """As the form: a level unusual for the birth year needs its reason, unless neither changed;
    a reason left when nothing is unusual any more is dropped with a new level or birth year (a
    row read back as exported is left as it is)."""
    retouche = enfant is None or (enfant.niveau_scolaire, enfant.annee_naissance) != (
        donnees["niveau_scolaire"],
        donnees["annee_naissance"],
    )
    ecart = ecart_de_niveau(
        niveau=donnees["niveau_scolaire"], annee_naissance=donnees["annee_naissance"], annee=AnneeScolaire.courante()
    )
    if ecart is None and retouche:
        donnees["ecart_niveau"] = ""
    elif ecart and retouche and not donnees["ecart_niveau"]:
        ligne.refuser(
            "niveau_libelle",
            f"{ecart} Corrigez l’année de naissance ou le niveau, ou écrivez la raison de l’écart dans la colonne "
            f"« {TITRES['ecart_niveau']} » (Redoublement, Saut de classe…)",
        )


def _en_clair(champ, valeur):
    if champ == "niveau_scolaire":
        return NiveauScolaire(valeur).label
    if champ == "sexe":
        return Sexe(valeur).label
    if champ == "ecart_niveau":
        return EcartDeNiveau(valeur).label if valeur else "aucune"
    if champ == "date_consentement":
        return f"{valeur:%d/%m/%Y}" if valeur else "aucun"
    return str(valeur) if valeur is not None else "aucun"


def _changements(enfant, donnees, absents):
    """The fields the row changes, as the service takes them; a column the file lacks changes
    nothing."""
    return {
        champ: valeur for champ, valeur in donnees.items() if champ not in absents and getattr(enfant, champ) != valeur
    }


def _profil(donnees):
    return tuple(getattr(donnees[champ], "pk", donnees[champ]) for champ in PROFIL_D_UN_DOUBLON)


def analyser(*, tableau, contrat, perimetre, **_):
    """Each row against the children the importer may open, in a fixed number of queries: the
    structures, schools and quartiers, the children by code, the profiles of those followed."""
    apercu = Apercu()
    rangs = colonnes_connues(tableau.entetes, ATTENDUES)
    for colonnes in OBLIGATOIRES:
        if not any(cle in rangs for cle in colonnes):
            titre = TITRES[colonnes[0]]
            apercu.erreurs.append(Erreur(1, titre, "", f"colonne « {titre} » introuvable dans la première ligne"))
    if apercu.erreurs:
        return apercu
    absents = {
        champ
        for champ, colonnes in (
            *PAIRES.items(),
            ("ecart_niveau", ["ecart_niveau"]),
            ("date_consentement", ["date_consentement"]),
        )
        if not any(cle in rangs for cle in colonnes)
    }
    structures = {normaliser(s.nom): s for s in structures_de_travail(perimetre=perimetre)}
    references = (
        structures,
        _par_nom(Etablissement.objects.filter(contrat=contrat), "nom", "uai"),
        _par_nom(Quartier.objects.filter(contrat=contrat), "nom", "code"),
    )
    codes = {texte(cellule(cellules, rangs.get("code"))).upper() for _, cellules in tableau.lignes} - {""}
    enfants = {
        enfant.code: enfant
        for enfant in participants_visibles(perimetre=perimetre)
        .filter(code__in=codes)
        .select_related("structure", "etablissement", "quartier_residence")
    }
    aujourdhui = timezone.localdate()
    lues, vus = [], {}
    for numero, cellules in tableau.lignes:
        ligne = _Ligne(numero, cellules, tableau, rangs, apercu.erreurs)
        code = ligne.texte("code").upper()
        enfant = enfants.get(code)
        if code and enfant is None:
            ligne.refuser("code", "aucun enfant que vous suivez n’a ce code (laissez-le vide pour un nouvel enfant)")
        elif code in vus:
            ligne.refuser("code", f"cet enfant a déjà sa ligne (ligne {vus[code]})")
        elif code:
            vus[code] = numero
        donnees = _lire_ligne(ligne, references, aujourdhui)
        if donnees is not None:
            _verifier_le_niveau(ligne, donnees, enfant)
        if not ligne.en_erreur:
            lues.append((ligne, enfant, donnees))
    profils = {}
    for enfant in (
        Participant.objects.filter(
            structure__in={d["structure"] for _, e, d in lues if e is None},
            annee_naissance__in={d["annee_naissance"] for _, e, d in lues if e is None},
            anonymise_le__isnull=True,
        )
        .order_by("cree_le", "pk")
        .values_list(
            "code",
            *(f"{champ}_id" if champ in ("structure", "etablissement") else champ for champ in PROFIL_D_UN_DOUBLON),
        )
    ):
        profils.setdefault(tuple(enfant[1:]), f"de l’enfant {enfant[0]}")
    ecritures = []
    for ligne, enfant, donnees in lues:
        if enfant is None:
            profil = _profil(donnees)
            deja = profils.get(profil)
            profils.setdefault(profil, f"de la ligne {ligne.numero}")
            if deja and normaliser(ligne.texte("autre")) not in OUI:
                apercu.lignes.append(
                    LigneApercu(
                        ligne.numero,
                        "nouvel enfant",
                        INCHANGEE,
                        f"laissé de côté : même profil que celui {deja}, peut-être le même enfant ; s’il s’agit d’un "
                        f"autre, écrivez « oui » dans la colonne « {TITRES['autre']} »",
                    )
                )
                continue
            ecritures.append((ligne.numero, None, donnees))
            apercu.lignes.append(LigneApercu(ligne.numero, "nouvel enfant", CREEE, donnees["structure"].nom))
            continue
        changes = _changements(enfant, donnees, absents)
        if not changes:
            apercu.lignes.append(LigneApercu(ligne.numero, enfant.code, INCHANGEE))
            continue
        if enfant.anonymise_le:
            ligne.refuser("code", "cet enfant est anonymisé : sa fiche ne se modifie plus")
            continue
        ecritures.append((ligne.numero, enfant, changes))
        detail = " ; ".join(
            f"{Participant._meta.get_field(champ).verbose_name} : {_en_clair(champ, getattr(enfant, champ))} → "
            f"{_en_clair(champ, valeur)}"
            for champ, valeur in changes.items()
        )
        apercu.lignes.append(LigneApercu(ligne.numero, enfant.code, MODIFIEE, detail))
    apercu.ecritures = ecritures
    return apercu


def ecrire(*, apercu, **_):
    """Each child by the form's service; a refusal there names its row."""
    for numero, enfant, donnees in apercu.ecritures:
        try:
            participant_enregistrer(donnees=donnees, participant=enfant)
        except ValidationError as erreur:
            raise ValidationError(
                f"Ligne {numero}{f' ({enfant.code})' if enfant else ''} : {' '.join(erreur.messages)}"
            ) from erreur
