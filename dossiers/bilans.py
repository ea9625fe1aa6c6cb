"""The compte rendu financier of a bilan, laid out as the CERFA n° 15059 (compte rendu financier
de subvention) lays it out: charges and produits by account category, each with the amount
planned and the amount spent or received, the variance computed (never typed) and explained
when it is significant. Pure: no query; the model stores the amounts, the services check them.

A line's key is its account category (« 60 ») or, for the subventions d'exploitation, « 74- »
and the financeur's id: one line per financeur of the dossier."""

from dataclasses import dataclass
from decimal import Decimal

from fiches.templatetags.format_fr import euros as en_euros

CHARGES = (
    ("60", "Achats"),
    ("61", "Services extérieurs"),
    ("62", "Autres services extérieurs"),
    ("63", "Impôts et taxes"),
    ("64", "Charges de personnel"),
    ("65", "Autres charges de gestion courante"),
    ("66", "Charges financières"),
    ("67", "Charges exceptionnelles"),
    ("68", "Dotations aux amortissements"),
    ("86", "Emplois des contributions volontaires en nature"),
)
SUBVENTIONS = "74"
PRODUITS = (
    ("70", "Ventes de produits finis, prestations de services"),
    (SUBVENTIONS, "Subventions d’exploitation"),
    ("75", "Autres produits de gestion courante"),
    ("76", "Produits financiers"),
    ("78", "Reprises sur amortissements et provisions"),
    ("87", "Contributions volontaires en nature"),
)
CONTRIBUTIONS = ("86", "87")
# The CERFA asks the porteur to explain the significant variances; this one is the contract's
# rule, said on the page: a line whose actual amount moves from the planned one by more than a
# tenth of the planned budget (total des charges prévues).
PART_ECART_IMPORTANT = Decimal("0.10")
COLONNES = ("prevu", "realise")
ZERO = Decimal("0")
CENTIME = Decimal("0.01")


def cle_de_subvention(financeur_id):
    return f"{SUBVENTIONS}-{financeur_id}"


def montant(texte):
    return None if texte in (None, "") else Decimal(texte)


@dataclass
class Ligne:
    cle: str
    code: str
    libelle: str
    prevu: Decimal | None = None
    realise: Decimal | None = None

    @property
    def ecart(self):
        """Actual minus planned, once the actual amount is typed."""
        if self.realise is None:
            return None
        return self.realise - (self.prevu or ZERO)


@dataclass
class CompteRendu:
    charges: list
    produits: list

    @classmethod
    def depuis(cls, montants, financeurs, *, prerempli=False):
        """From the stored amounts ({key: {"prevu": "1500.00", "realise": ...}}) and the dossier's
        financeurs [(id, name, amount planned)]; `prerempli`, for a bilan never saved: each
        subvention planned at that amount (once saved, what the porteur typed stands, even empty)."""

        def ligne(cle, code, libelle, prevu_initial=None):
            saisie = montants.get(cle)
            if saisie is None:
                return Ligne(cle, code, libelle, prevu=prevu_initial if prerempli else None)
            return Ligne(cle, code, libelle, prevu=montant(saisie.get("prevu")), realise=montant(saisie.get("realise")))

        charges = [ligne(code, code, libelle) for code, libelle in CHARGES]
        produits = []
        for code, libelle in PRODUITS:
            if code == SUBVENTIONS:
                produits += [
                    ligne(cle_de_subvention(pk), code, f"{libelle} : {nom}", prevu) for pk, nom, prevu in financeurs
                ]
            else:
                produits.append(ligne(code, code, libelle))
        return cls(charges=charges, produits=produits)

    @classmethod
    def saisi(cls, montants, financeurs):
        """The compte rendu as typed: `montants` {key: {"prevu": Decimal, "realise": Decimal}},
        a line left out of it empty."""
        compte_rendu = cls.depuis({}, financeurs)
        for ligne in compte_rendu.lignes:
            saisie = montants.get(ligne.cle, {})
            ligne.prevu, ligne.realise = saisie.get("prevu"), saisie.get("realise")
        return compte_rendu

    @property
    def lignes(self):
        return self.charges + self.produits

    def en_donnees(self):
        """What the model stores: the lines with an amount, amounts as text (exact in JSON)."""
        return {
            ligne.cle: {
                colonne: str(getattr(ligne, colonne).quantize(CENTIME))
                for colonne in COLONNES
                if getattr(ligne, colonne) is not None
            }
            for ligne in self.lignes
            if ligne.prevu is not None or ligne.realise is not None
        }

    @staticmethod
    def total(lignes, colonne):
        return sum((getattr(ligne, colonne) or ZERO for ligne in lignes), ZERO)

    def totaux(self):
        return {
            (cote, colonne): self.total(lignes, colonne)
            for cote, lignes in (("charges", self.charges), ("produits", self.produits))
            for colonne in COLONNES
        }

    def tableaux(self):
        """The two tables of the page: (caption, lines, their total as a line)."""
        return [
            (titre, lignes, Ligne("total", "", "Total", self.total(lignes, "prevu"), self.total(lignes, "realise")))
            for titre, lignes in (("Charges", self.charges), ("Produits", self.produits))
        ]

    @property
    def realise_saisi(self):
        return any(ligne.realise is not None for ligne in self.lignes)

    def ecarts_importants(self):
        """The lines whose variance exceeds a tenth of the planned charges."""
        seuil = self.total(self.charges, "prevu") * PART_ECART_IMPORTANT
        return [ligne for ligne in self.lignes if ligne.ecart is not None and abs(ligne.ecart) > seuil]

    def incoherences(self, *, explication):
        """What does not hold, in French, by form field (None: the compte rendu as a whole). A
        column left entirely empty is not checked yet: a bilan is filled in several sittings."""
        erreurs = {}
        totaux = self.totaux()
        for colonne, nom in (("prevu", "prévus"), ("realise", "réalisés")):
            if not any(getattr(ligne, colonne) is not None for ligne in self.lignes):
                continue
            charges, produits = totaux["charges", colonne], totaux["produits", colonne]
            if charges != produits:
                erreurs.setdefault(None, []).append(
                    f"Les montants {nom} ne sont pas équilibrés : {en_euros(charges)} de charges pour "
                    f"{en_euros(produits)} de produits. Le total des charges doit égaler celui des produits."
                )
            emplois, contributions = (
                sum((getattr(ligne, colonne) or ZERO for ligne in self.lignes if ligne.code == code), ZERO)
                for code in CONTRIBUTIONS
            )
            if emplois != contributions:
                erreurs[f"{colonne}_86"] = [
                    f"Les emplois des contributions volontaires en nature (86) doivent égaler les contributions "
                    f"reçues (87) : {en_euros(emplois)} pour {en_euros(contributions)}."
                ]
        importants = self.ecarts_importants()
        if importants and not (explication or "").strip():
            codes = ", ".join(dict.fromkeys(ligne.libelle for ligne in importants))
            erreurs["explication_ecarts"] = [
                "Expliquez les écarts importants entre le prévu et le réalisé (plus de 10 % du budget prévu) : "
                f"{codes}."
            ]
        return erreurs
