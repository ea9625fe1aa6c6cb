"""Issue 12, point 3: masking that holds. Small populations (1 to 4 quartiers, 0 to 12 children,
1 to 3 actions of fiche 1.2.3 or of the fictional D.1, two school years) are generated;
everything a partner and an animateur can read of each fiche for 2025-2026 and 2024-2025 (the
CSV and XLSX of the fiche's contract dashboard and of every quartier's, at the fiche's URLs, the
contract's column of the quartier pages, the key figures of the list of fiches) is collected;
then an attacker who also knows which sums hold in the data (whether a child came to two
quartiers) tries to recover every masked cell of each fiche (no figure of one fiche is a sum of
another's):

(a) exact linear algebra in fractions over every published sum (a total and its breakdown, the
    contract and its quartiers, the share of residents times the total...);
(b) bounds: "< 5" is 1 to 4, "s" 0 or more, propagated through those sums and through the
    inequalities of overlapping ones.

A masked cell whose value is then unique is broken. The hand-worked examples of the issue follow."""

import csv
import html
import io
import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from actions import services
from actions.enums import NiveauScolaire, Sexe
from actions.models import Seance
from actions.tests.factories import (
    ActionFactory,
    InscriptionFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
)
from comptes.enums import Role
from comptes.services import adhesion_definir
from demo.fiche_fictive import charger_fiche_fictive
from fiches.annees import AnneeScolaire
from fiches.models import Fiche, RealisationAttendue
from fiches.tests.factories import QuartierFactory
from indicateurs import selectors
from indicateurs.calculs import calculer, masquer_petits_effectifs
from indicateurs.fraicheur import nouvelle_generation
from indicateurs.tests.classeurs import lignes_du_classeur
from indicateurs.tests.test_tableaux import _figure
from partenaires.tests.factories import StructureFactory

pytestmark = pytest.mark.django_db

SEUIL = 5
ANNEE = AnneeScolaire(2025)
ANNEES = (ANNEE, ANNEE.precedente())
ENFANTS = "nb_enfants_beneficiaires"
AXES_PARTITION = ("sexe", "niveau", "residence")


# --- Populations ---------------------------------------------------------------------------------


@st.composite
def populations(draw):
    nb_quartiers = draw(st.integers(1, 4))
    quartier = st.integers(0, nb_quartiers - 1)
    # Each action concerns one or two quartiers: a child may count in two.
    actions = draw(st.lists(st.sets(quartier, min_size=1, max_size=2), min_size=1, max_size=3))
    # Fiche 1.2.3 (0) or D.1 (1): a child may come to both, counted in each fiche's own figures.
    fiches = draw(st.lists(st.sampled_from([0, 1]), min_size=len(actions), max_size=len(actions)))
    venue = st.tuples(st.integers(0, len(actions) - 1), st.sampled_from([0, 1]), st.integers(1, 2))
    enfant = st.fixed_dictionaries(
        {
            "sexe": st.sampled_from([Sexe.FILLE, Sexe.GARCON]),
            "niveau": st.sampled_from([NiveauScolaire.CP, NiveauScolaire.CM1, NiveauScolaire.SIXIEME]),
            "residence": st.one_of(st.none(), quartier),
            "venues": st.lists(venue, max_size=3),
        }
    )
    return {
        "quartiers": nb_quartiers,
        "actions": [sorted(q) for q in actions],
        "fiches": fiches,
        "anonymes": draw(st.lists(st.integers(0, 3), min_size=len(actions), max_size=len(actions))),
        "enfants": draw(st.lists(enfant, max_size=12)),
    }


def _seance(action, annee, rang):
    return Seance.objects.get(action=action, date=date(annee.annee_de_rentree, 10, 1 + 7 * rang))


def les_fiches(reference):
    """Fiche 1.2.3 and the fictional D.1 with its own indicators (counts of children among them)."""
    return [Fiche.objects.du_contrat(reference).get(code="1.2.3"), charger_fiche_fictive(contrat=reference)]


def peupler(reference, population, quartiers=None):
    """The population in the database, through the factories (which keep the summaries exact),
    in new quartiers or in these. Actions are of fiche 1.2.3 unless population["fiches"] says
    D.1 (1) for some."""
    quartiers = quartiers or [QuartierFactory(contrat=reference) for _ in range(population["quartiers"])]
    structure = StructureFactory(contrat=reference)
    fiches = population.get("fiches") or [0] * len(population["actions"])
    realisations = [RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1")]
    if 1 in fiches:
        realisations.append(les_fiches(reference)[1].realisations_attendues.get(code="R1"))
    actions = []
    for rang, concernes in enumerate(population["actions"]):
        action = ActionFactory(
            realisation=realisations[fiches[rang]],
            porteur=structure,
            quartiers=[quartiers[q] for q in concernes],
            date_debut=date(2024, 9, 2),
            date_fin=date(2026, 6, 30),
        )
        for annee in ANNEES:
            # Two sessions a year, their grids saved: enrolled children absent count as absent.
            premiere, _ = (
                SeanceFactory(action=action, date=date(annee.annee_de_rentree, 10, 1 + 7 * r)) for r in (0, 1)
            )
            services.seance_enregistrer(
                action=action, seance=premiere, donnees={"enfants_anonymes": population["anonymes"][rang]}
            )
        actions.append(action)
    for description in population["enfants"]:
        residence = description["residence"]
        enfant = ParticipantFactory(
            structure=structure,
            sexe=description["sexe"],
            niveau_scolaire=description["niveau"],
            quartier_residence=None if residence is None else quartiers[residence],
            date_consentement=date(2024, 9, 1),
        )
        for numero, annee, seances in description["venues"]:
            action = actions[numero]
            if not action.inscriptions.filter(participant=enfant).exists():
                InscriptionFactory(action=action, participant=enfant, date_inscription=date(2024, 9, 2))
            for rang in range(seances):
                seance = _seance(action, ANNEES[annee], rang)
                if not seance.presences.filter(participant=enfant).exists():
                    PresenceFactory(seance=seance, participant=enfant)
    return quartiers


# --- What a reader can read ----------------------------------------------------------------------


def publie(client, fiche, quartiers, *, du_contrat):
    """{(perimetre, code, ventilation, year): text} of every figure of the fiche the reader's
    client can read: the exports of the fiche's contract dashboard (when `du_contrat`) and of the
    quartiers' (checked to say the same in CSV and XLSX), the contract's column of the quartier
    pages and the fiche's key figures on the list of fiches (checked to show the same)."""
    cellules = {}

    def lire(cle, texte):
        # The same figure on two pages (a year, a quartier's total) is shown the same.
        assert cellules.setdefault(cle, texte) == texte, (cle, cellules[cle], texte)

    for annee in ANNEES:
        for quartier in ([None] if du_contrat else []) + list(quartiers):
            parametres = {"fiche": fiche.code, "annee": annee.libelle} | (
                {"quartier": quartier.code} if quartier else {}
            )
            lignes = _csv(client.get("/indicateurs/export.csv", parametres).content)
            xlsx = _xlsx(client.get("/indicateurs/export.xlsx", parametres).content)
            assert xlsx == {
                tuple(debut): tuple(_normal(ligne)[c] for c in ("valeur", "valeur_annee_precedente"))
                for *debut, ligne in lignes
            }
            for *_, ligne in lignes:
                for colonne, an in (("valeur", annee), ("valeur_annee_precedente", annee.precedente())):
                    lire(_cle(ligne["perimetre"], ligne["code"], ligne["ventilation"], an.libelle), ligne[colonne])
            if quartier and du_contrat:
                page = client.get(f"/indicateurs/fiches/{fiche.code}/quartiers/{quartier.code}/", parametres)
                colonne = _colonne_du_contrat(page.content.decode())
                assert colonne.keys() == {code for _, code, ventilation, _ in lignes if not ventilation}
                for code, texte in colonne.items():
                    lire(("contrat", code, "", annee.libelle), texte)
        if du_contrat:
            page = client.get("/indicateurs/", {"annee": annee.libelle}).content.decode()
            chiffres = _chiffres_cles(page, fiche)
            assert len(chiffres) == min(selectors.CHIFFRES_PAR_FICHE, fiche.indicateurs.count())
            for code, (actuelle, precedente) in chiffres.items():
                lire(("contrat", code, "", annee.libelle), actuelle)
                lire(("contrat", code, "", annee.precedente().libelle), precedente)
    return cellules


def _comme_export(texte):
    """A figure of a page written as the exports write it."""
    texte = html.unescape(re.sub(r"<[^>]+>", "", texte)).strip()
    return "" if texte == "–" else texte.removesuffix("\u00a0%").replace("\u202f", "").replace("\u00a0", "")


def _colonne_du_contrat(page):
    """{code: text} of the column « Tout le contrat » of a quartier page."""
    return {
        code: _comme_export(re.findall(r"<td[^>]*>(.*?)</td>", ligne, re.S)[-1])
        for code, ligne in re.findall(r'<tr id="indicateur-([\w]+)">(.*?)</tr>', page, re.S)
    }


def _chiffres_cles(page, fiche):
    """{code: (this year, the previous one)} of the fiche's key figures on the list of fiches."""
    section = re.search(rf"Fiche {re.escape(fiche.code)} –.*?</section>", page, re.S).group(0)
    codes = {indicateur.libelle: indicateur.code for indicateur in fiche.indicateurs.all()}
    return {
        codes[html.unescape(libelle)]: (_comme_export(actuelle), _comme_export(precedente))
        for libelle, actuelle, precedente in re.findall(
            r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?) <span[^>]*>\(.*? : (.*?)\)</span></dd>", section, re.S
        )
    }


def _cle(perimetre, code, ventilation, annee):
    # The contract's line of a quartier is that quartier's own total.
    if perimetre == "contrat" and ventilation.startswith("quartier="):
        return (ventilation.removeprefix("quartier="), code, "", annee)
    return (perimetre, code, ventilation, annee)


def _csv(contenu):
    lecteur = csv.DictReader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";")
    return [(ligne["perimetre"], ligne["code"], ligne["ventilation"], ligne) for ligne in lecteur if ligne["code"]]


def _xlsx(contenu):
    """{(perimetre, code, ventilation): (this year, the previous one)} of a dashboard's XLSX."""
    return {
        (ligne["perimetre"], ligne["code"], ligne["ventilation"]): (
            _comme_csv(ligne["valeur"]),
            _comme_csv(ligne["valeur_annee_precedente"]),
        )
        for ligne in lignes_du_classeur(contenu)
    }


def _comme_csv(valeur):
    return "" if valeur is None else valeur


def _normal(ligne):
    """A CSV row with its numbers as numbers, to compare with the XLSX."""
    return {cle: Fraction(v.replace(",", ".")) if _est_nombre(v) else v for cle, v in ligne.items()}


def _est_nombre(texte):
    try:
        Fraction(texte.replace(",", "."))
    except ValueError:
        return False
    return True


def vrai(chef, fiche, quartiers):
    """The same cells as an officer (`chef`, a client) reads them: the truth the attacker is after."""
    return publie(chef, fiche, quartiers, du_contrat=True)


# --- The attacker --------------------------------------------------------------------------------


def _nombre(texte):
    return Fraction(texte.replace(",", ".")) if texte not in ("", "< 5", "s") else None


def _relations(verite, annee):
    """[(total, parts)] of the counts of children and of the presences, for one year."""
    lignes = {}
    for perimetre, code, ventilation, an in verite:
        if an == annee and code == ENFANTS and "=" in ventilation:
            lignes.setdefault((perimetre, ventilation.split("=")[0]), []).append((perimetre, code, ventilation, an))
    relations = []
    for (perimetre, axe), parties in lignes.items():
        if axe in AXES_PARTITION:
            relations.append(((perimetre, ENFANTS, "", annee), parties))
    perimetres = {p for p, *_ in verite}
    quartiers = sorted(p for p in perimetres if p != "contrat")
    relations.append((("contrat", ENFANTS, "", annee), [(q, ENFANTS, "", annee) for q in quartiers]))
    relations.append((("contrat", "frequentation", "", annee), [(q, "frequentation", "", annee) for q in quartiers]))
    categories = {v for p, c, v, a in verite if a == annee and c == ENFANTS and v.split("=")[0] in AXES_PARTITION}
    for ventilation in categories:
        relations.append(
            (("contrat", ENFANTS, ventilation, annee), [(q, ENFANTS, ventilation, annee) for q in quartiers])
        )
    return relations


def attaquer(cellules, verite):
    """The masked cells whose value the attacker pins down, with that value."""
    inconnues = {cle for cle, texte in cellules.items() if texte in ("< 5", "s")}
    valeur = {cle: _nombre(texte) for cle, texte in verite.items()}
    bornes = {cle: [1, SEUIL - 1] if cellules[cle] == "< 5" else [0, math.inf] for cle in inconnues}
    egalites, inegalites = [], []

    def terme(cle, facteur, coefficients, constante):
        if cle in inconnues:
            coefficients[cle] = coefficients.get(cle, 0) + facteur
            return constante
        # A line that does not exist is 0.
        return constante - facteur * (_nombre(cellules.get(cle, "0")) or 0)

    def contrainte(liste, termes):
        coefficients, constante = {}, Fraction(0)
        for cle, facteur in termes:
            constante = terme(cle, facteur, coefficients, constante)
        if coefficients:
            liste.append((coefficients, constante))

    for annee in {a for *_, a in cellules}:
        for total, parties in _relations(verite, annee):
            # A sum with a figure this reader cannot open (the contract, for a partner) tells nothing.
            if total not in cellules or any(p in verite and p not in cellules for p in parties):
                continue
            vrai_total, vraies = valeur[total], [valeur.get(p) or 0 for p in parties]
            termes = [(total, 1)] + [(p, -1) for p in parties]
            if vrai_total == sum(vraies):
                contrainte(egalites, termes)
            elif vrai_total <= sum(vraies):
                contrainte(inegalites, termes)
            for partie, v in zip(parties, vraies, strict=True):
                if v <= vrai_total:
                    contrainte(inegalites, [(partie, 1), (total, -1)])
        _parts(cellules, annee, egalites, bornes)
    trouvees = _gauss(egalites)
    _bornes(bornes, egalites + [(ligne, rhs) for ligne, rhs in trouvees.values()], inegalites)
    pinces = {cle: Fraction(b) for cle, (b, h) in bornes.items() if b == h}
    return {cle: rhs for cle, (ligne, rhs) in trouvees.items() if len(ligne) == 1} | pinces


def _ratio(numerateur, denominateur):
    return (Decimal(numerateur) * 100 / Decimal(denominateur)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _parts(cellules, annee, egalites, bornes):
    """A share shown beside its total gives the residents, hence the children living outside; a
    share beside a hidden total leaves only the totals it can be a share of."""
    for perimetre in {p for p, *_ in cellules}:
        part = cellules.get((perimetre, "part_residents_qpv", "", annee), "")
        if _nombre(part) is None:
            continue
        part = Decimal(part.replace(",", "."))
        total, hors = (perimetre, ENFANTS, "", annee), (perimetre, ENFANTS, "residence=hors_qpv", annee)
        if (n := _nombre(cellules[total])) is not None:
            (residents,) = [r for r in range(int(n) + 1) if _ratio(r, int(n)) == part]
            if hors in bornes:
                egalites.append(({hors: Fraction(1)}, n - residents))
            continue
        bas, haut = bornes[total]
        possibles = [
            n for n in range(max(bas, 1), min(haut, 100) + 1) if any(_ratio(r, n) == part for r in range(n + 1))
        ]
        bornes[total] = [min(possibles), max(possibles)]


def _gauss(equations):
    """{pivot: (row, rhs)} of the reduced row echelon form, in exact fractions."""
    lignes = {}
    for coefficients, rhs in equations:
        ligne = {c: Fraction(v) for c, v in coefficients.items()}
        rhs = Fraction(rhs)
        for pivot, (autre, autre_rhs) in lignes.items():
            if f := ligne.get(pivot):
                for c, v in autre.items():
                    ligne[c] = ligne.get(c, 0) - f * v
                rhs -= f * autre_rhs
        ligne = {c: v for c, v in ligne.items() if v}
        if not ligne:
            continue
        pivot = sorted(ligne, key=repr)[0]
        ligne, rhs = {c: v / ligne[pivot] for c, v in ligne.items()}, rhs / ligne[pivot]
        for autre_pivot, (autre, autre_rhs) in list(lignes.items()):
            if f := autre.get(pivot):
                nouvelle = {c: autre.get(c, 0) - f * ligne.get(c, 0) for c in autre.keys() | ligne.keys()}
                lignes[autre_pivot] = ({c: v for c, v in nouvelle.items() if v}, autre_rhs - f * rhs)
        lignes[pivot] = (ligne, rhs)
    return lignes


def _bornes(bornes, egalites, inegalites):
    for _ in range(60):
        bouge = False
        for coefficients, rhs, egal in [(*e, True) for e in egalites] + [(*i, False) for i in inegalites]:
            for cle, f in coefficients.items():
                bas = haut = Fraction(0)
                for autre, g in coefficients.items():
                    if autre == cle:
                        continue
                    b, h = bornes[autre]
                    bas += g * (b if g > 0 else h)
                    haut += g * (h if g > 0 else b)
                # f·x = rhs − rest, rest in [bas, haut] (equality), or f·x ≤ rhs − bas.
                limites = [(rhs - bas) / f if bas != -math.inf else None]
                limites.append((rhs - haut) / f if egal and abs(haut) != math.inf else None)
                haut_x, bas_x = limites if f > 0 else limites[::-1]
                if not egal and f < 0:
                    haut_x, bas_x = None, (rhs - bas) / f if bas != -math.inf else None
                if bas_x is not None and math.ceil(bas_x) > bornes[cle][0]:
                    bornes[cle][0], bouge = math.ceil(bas_x), True
                if haut_x is not None and math.floor(haut_x) < bornes[cle][1]:
                    bornes[cle][1], bouge = math.floor(haut_x), True
        if not bouge:
            return


# --- The properties ------------------------------------------------------------------------------


def verifier(cellules, verite):
    """Every rule a reader can check against the truth, then the attack."""
    for cle, texte in cellules.items():
        perimetre, code, ventilation, annee = cle
        vraie = _nombre(verite[cle])
        if code == ENFANTS and 0 < vraie < SEUIL:
            assert texte in ("< 5", "s"), (cle, texte, vraie)
        if texte == "< 5":
            assert 0 < vraie < SEUIL, (cle, vraie)
        if texte not in ("< 5", "s"):
            assert texte == verite[cle], cle
    for (perimetre, code, ventilation, annee), texte in cellules.items():
        if code == ENFANTS and not ventilation and texte in ("< 5", "s"):
            for derive in ("part_residents_qpv", "frequentation", "taux_assiduite"):
                # A fiche without the derived figure (D.1) has nothing to hide there.
                assert cellules.get((perimetre, derive, "", annee), "") in ("s", ""), (perimetre, derive, annee)
    casses = attaquer(cellules, verite)
    assert not casses, {cle: (v, cellules[cle]) for cle, v in casses.items()}


# An example costs a second of database work: a failure is reported as found, not shrunk.
@settings(suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(population=populations())
def test_no_masked_figure_can_be_recovered_by_a_partner_or_an_animateur(reference, population):
    with transaction.atomic():
        quartiers = peupler(reference, population)
        structures = list(reference.structures.all())
        chef = _client_de(Client(), reference, Role.CHEF_DE_PROJET)
        animateur = _client_de(Client(), reference, Role.ANIMATEUR, structures=structures)
        partenaire = _client_de(Client(), reference, Role.PARTENAIRE, quartiers=quartiers[:2])
        for fiche in les_fiches(reference):
            verite = vrai(chef, fiche, quartiers)
            lu_par_l_animateur = publie(animateur, fiche, quartiers, du_contrat=True)
            lu_par_le_partenaire = publie(partenaire, fiche, quartiers[:2], du_contrat=False)
            # Every reader reads the same masks: two of them put together know no more than one.
            assert lu_par_le_partenaire.items() <= lu_par_l_animateur.items()
            verifier(lu_par_l_animateur, verite)
            verifier(lu_par_le_partenaire, verite)
        transaction.set_rollback(True)


# --- Hand-worked examples, through the pages and exports the users open ---------------------------


def _client_de(client, reference, role, **adhesion):
    utilisateur = get_user_model().objects.create_user(username=f"lecteur-{role}", password="x")
    adhesion_definir(utilisateur=utilisateur, contrat=reference, role=role, **adhesion)
    client.force_login(utilisateur)
    return client


def _enfant(residence, *venues):
    return {"sexe": Sexe.FILLE, "niveau": NiveauScolaire.CM1, "residence": residence, "venues": list(venues)}


def _export(client, **parametres):
    contenu = client.get("/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE.libelle, **parametres}).content
    lignes = list(csv.DictReader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    figures = {(ligne["code"], ligne["ventilation"]): ligne["valeur"] for ligne in lignes if ligne["code"]}
    return figures, [ligne["libelle"] for ligne in lignes if not ligne["code"]]


def test_a_partner_cannot_tell_that_2_of_the_3_children_of_a_quartier_live_in_a_qpv(client, reference):
    """The issue's quartier: 3 children, 2 living in a QPV, 5 presences out of 6 possible."""
    (quartier,) = peupler(
        reference,
        {
            "quartiers": 1,
            "actions": [[0]],
            "anonymes": [0],
            "enfants": [_enfant(0, (0, 0, 2)), _enfant(0, (0, 0, 2)), _enfant(None, (0, 0, 1))],
        },
    )
    chef = _client_de(Client(), reference, Role.CHEF_DE_PROJET)
    page = chef.get(f"/indicateurs/fiches/1.2.3/quartiers/{quartier.code}/", {"annee": ANNEE.libelle}).content.decode()
    vrai = {code: _figure(page, code) for code in (ENFANTS, "part_residents_qpv", "frequentation", "taux_assiduite")}
    assert vrai == {
        ENFANTS: "3",
        "part_residents_qpv": "66,7\u00a0%",
        "frequentation": "5",
        "taux_assiduite": "83,3\u00a0%",
    }

    partenaire = _client_de(client, reference, Role.PARTENAIRE, quartiers=[quartier])
    page = partenaire.get(
        f"/indicateurs/fiches/1.2.3/quartiers/{quartier.code}/", {"annee": ANNEE.libelle}
    ).content.decode()
    montre = {code: _figure(page, code) for code in vrai}
    # 66,7 % beside "< 5" is 2 of 3; 5 presences and 83,3 % are those of 3 children: all hidden.
    assert montre == {ENFANTS: "&lt; 5", "part_residents_qpv": "s", "frequentation": "s", "taux_assiduite": "s"}
    assert "« s » : chiffre masqué" in page
    figures, notes = _export(partenaire, quartier=quartier.code)
    assert [figures[(code, "")] for code in vrai] == ["< 5", "s", "s", "s"]
    assert figures[(ENFANTS, "residence=hors_qpv")] == "< 5"
    assert any(note.startswith("« s »") for note in notes) and any(note.startswith("« < 5 »") for note in notes)


def test_a_cell_hidden_beside_a_small_one_says_s_on_the_page_and_in_the_exports(client, reference):
    """The issue's row: two hidden cells of a breakdown that must make 10, 3 and 7, were both
    "< 5". The 7 is hidden to protect the 3: it says "s", on every page that shows it."""
    venue = (0, 0, 1)
    peupler(
        reference,
        {
            "quartiers": 3,
            "actions": [[0]],
            "anonymes": [0],
            "enfants": [_enfant(0, venue)] * 3 + [_enfant(1, venue)] * 7 + [_enfant(2, venue)] * 20,
        },
    )
    animateur = _client_de(client, reference, Role.ANIMATEUR, structures=list(reference.structures.all()))
    figures, notes = _export(animateur)
    residence = {v.removeprefix("residence="): f for (c, v), f in figures.items() if c == ENFANTS and "residence=" in v}
    # In the order they were made (their codes sort otherwise when the factory's sequence wraps).
    quartiers = list(reference.quartiers.order_by("pk").values_list("code", flat=True))
    assert [residence[code] for code in quartiers] == ["< 5", "s", "20"]
    assert figures[(ENFANTS, "")] == "30"
    page = animateur.get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE.libelle}).content.decode()
    assert '<td class="text-end">s</td>' in page and "« s » : chiffre masqué" in page
    # The quartier of the action shows the same children: the same cells, the same marks.
    figures_du_quartier, _ = _export(animateur, quartier=quartiers[0])
    assert [figures_du_quartier[(ENFANTS, f"residence={code}")] for code in quartiers] == ["< 5", "s", "20"]


@pytest.mark.parametrize("partage", [True, False], ids=["un-enfant-dans-deux-quartiers", "sans-partage"])
def test_a_quartier_s_total_is_masked_alike_on_its_page_and_the_contract_s(client, reference, partage):
    """3 children in quartier A, 9 in quartier B, and one of A's children in B too or not. Without
    a shared child, the contract's 12 minus B's 9 would give A's 3: B is hidden, on both pages. With
    one, the quartiers add up to 13, not a partition: A is only known to be 2 to 4, B stays shown."""
    enfants = [_enfant(0, (0, 0, 1))] * 2 + [_enfant(1, (1, 0, 1))] * 9
    enfants.append(_enfant(0, (0, 0, 1), (1, 0, 1)) if partage else _enfant(0, (0, 0, 1)))
    a, b = peupler(reference, {"quartiers": 2, "actions": [[0], [1]], "anonymes": [0, 0], "enfants": enfants})
    animateur = _client_de(client, reference, Role.ANIMATEUR, structures=list(reference.structures.all()))
    contrat, _ = _export(animateur)
    pages = {q.code: _export(animateur, quartier=q.code)[0] for q in (a, b)}
    attendu_b = "10" if partage else "s"
    assert contrat[(ENFANTS, "")] == "12"
    assert (contrat[(ENFANTS, f"quartier={a.code}")], pages[a.code][(ENFANTS, "")]) == ("< 5", "< 5")
    assert (contrat[(ENFANTS, f"quartier={b.code}")], pages[b.code][(ENFANTS, "")]) == (attendu_b, attendu_b)
    fiche = Fiche.objects.du_contrat(reference).get(code="1.2.3")
    chef = _client_de(Client(), reference, Role.CHEF_DE_PROJET)
    verifier(publie(animateur, fiche, [a, b], du_contrat=True), vrai(chef, fiche, [a, b]))


def test_a_fiche_s_masks_do_not_depend_on_another_fiche_s_children(client, reference):
    """3 children in quartier A and 9 in B at the actions of fiche 1.2.3: the contract's 12 minus
    B's 9 would give A's 3, so B is "s". 20 children coming to an action of D.1 in A change none of
    1.2.3's figures nor marks, on any page, and D.1's own are shown as they are."""
    enfants = [_enfant(0, (0, 0, 1))] * 3 + [_enfant(1, (1, 0, 1))] * 9
    a, b = peupler(reference, {"quartiers": 2, "actions": [[0], [1]], "anonymes": [0, 0], "enfants": enfants})
    fiche, fictive = les_fiches(reference)
    animateur = _client_de(client, reference, Role.ANIMATEUR, structures=list(reference.structures.all()))
    avant = publie(animateur, fiche, [a, b], du_contrat=True)
    assert [avant[(q.code, ENFANTS, "", ANNEE.libelle)] for q in (a, b)] == ["< 5", "s"]
    autre = {"quartiers": 2, "actions": [[0]], "fiches": [1], "anonymes": [0], "enfants": [_enfant(0, (0, 0, 1))] * 20}
    peupler(reference, autre, quartiers=[a, b])
    assert publie(animateur, fiche, [a, b], du_contrat=True) == avant
    siennes = publie(animateur, fictive, [a, b], du_contrat=True)
    assert [siennes[(p, ENFANTS, "", ANNEE.libelle)] for p in ("contrat", a.code, b.code)] == ["20", "20", "0"]


def _requetes(client, url):
    # Computed afresh, as after a write: what the figures cost, not what the cache saves.
    nouvelle_generation()
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url, {"annee": ANNEE.libelle}).status_code == 200
    return len(requetes)


def test_masking_reads_every_perimeter_without_a_query_more(reference):
    """Masking decides from the contract's and every quartier's children, read in the query that
    read the page's own: a masked page costs what an officer's costs, however many quartiers and
    children; one less on the contract's dashboard and the list of fiches (children per quartier
    come from the same rows), two less on a quartier's, whose contract column reads them too, and
    one more less there: the children by éducation prioritaire of both columns are one query."""
    population = {"quartiers": 3, "actions": [[0], [1, 2]], "anonymes": [1, 0], "enfants": [_enfant(0, (0, 0, 1))] * 3}
    quartiers = peupler(reference, population)
    chef = _client_de(Client(), reference, Role.CHEF_DE_PROJET)
    animateur = _client_de(Client(), reference, Role.ANIMATEUR, structures=list(reference.structures.all()))
    urls = ["/indicateurs/fiches/1.2.3/", f"/indicateurs/fiches/1.2.3/quartiers/{quartiers[0].code}/", "/indicateurs/"]
    avant = [(_requetes(chef, url), _requetes(animateur, url)) for url in urls]
    # An animateur's membership reads its structures and quartiers: 2 queries an officer does not make;
    # on the list of fiches of a finished year, the officer reads the bilans its closing waits for.
    # The children by éducation prioritaire of every perimeter come in the quartier page's one
    # query (one less). Children with both « envie d’école » questionnaires (effect E2) are counted for every
    # perimeter in one query more on a dashboard (Sources.enfants_questionnaires_de_chaque_perimetre).
    assert [anime - chef for chef, anime in avant] == [2 - 1 + 1, 2 - 2 - 1 + 1, 2 - 1 - 1]
    population["enfants"] = [_enfant(q % 3, (q % 2, 0, 2), (0, 1, 1)) for q in range(12)]
    peupler(reference, population)
    assert [(_requetes(chef, url), _requetes(animateur, url)) for url in urls] == avant


@pytest.mark.parametrize(
    ("code", "regle"),
    [
        (ENFANTS, "de 1 à 4 enfants : « < 5 ». Masqué « s » quand il se déduirait"),
        (
            "part_residents_qpv",
            "« Nombre d’enfants bénéficiaires » ou sa ligne « Hors quartier prioritaire » est masqué",
        ),
        ("frequentation", "si un seul périmètre est alors masqué, le quartier au plus petit nombre"),
        ("taux_assiduite", "« Nombre d’enfants bénéficiaires » ou « Fréquentation des actions éducatives » est masqué"),
        ("nb_actions", "Jamais masqué"),
    ],
)
def test_each_definition_page_states_its_masking_rule(client, reference, code, regle):
    page = _client_de(client, reference, Role.PARTENAIRE).get(f"/indicateurs/fiches/1.2.3/definitions/{code}/")
    assert regle in html.unescape(page.content.decode())


def test_an_external_value_has_no_masking_rule(client, reference):
    page = _client_de(client, reference, Role.PARTENAIRE).get(
        "/indicateurs/fiches/1.2.3/definitions/taux_reussite_dnb/"
    )
    assert page.status_code == 200 and "Masquage des petits effectifs" not in page.content.decode()


def test_a_dashboard_without_the_count_of_children_still_masks_what_derives_from_it(reference):
    """A fiche may show the presences without the number of children: they are masked all the same."""
    (quartier,) = peupler(
        reference, {"quartiers": 1, "actions": [[0]], "anonymes": [0], "enfants": [_enfant(0, (0, 0, 2))] * 2}
    )
    figures = calculer(
        contrat=reference,
        annee=ANNEE,
        fiche=Fiche.objects.du_contrat(reference).get(code="1.2.3"),
        quartier=quartier,
        codes=["frequentation"],
        tous_les_perimetres=True,
    )
    masquer_petits_effectifs(figures, seuil=SEUIL)
    assert str(figures.totaux["frequentation"]["actuelle"]) == "s"
    assert ENFANTS not in figures.totaux


def test_a_year_under_way_masks_its_figures_at_the_date_as_a_whole_year_does(reference):
    """The issue's 3-child quartier, read on 30/11 of its year: the children are counted from
    their arrivals up to that day (ArriveesDuJour), and masked all the same."""
    (quartier,) = peupler(
        reference,
        {
            "quartiers": 1,
            "actions": [[0]],
            "anonymes": [0],
            "enfants": [_enfant(0, (0, 0, 2)), _enfant(0, (0, 0, 2)), _enfant(None, (0, 0, 1))],
        },
    )
    codes = [ENFANTS, "part_residents_qpv", "frequentation", "taux_assiduite"]

    def lire(*, masque):
        figures = calculer(
            contrat=reference,
            annee=ANNEE,
            fiche=Fiche.objects.du_contrat(reference).get(code="1.2.3"),
            quartier=quartier,
            codes=codes,
            aujourdhui=date(2025, 11, 30),
            tous_les_perimetres=masque,
        )
        assert figures.comparaison.en_cours
        if masque:
            masquer_petits_effectifs(figures, seuil=SEUIL)
        return [str(figures.totaux[code]["actuelle"]) for code in codes]

    assert lire(masque=False) == ["3", "66.7", "5", "83.3"]
    assert lire(masque=True) == ["< 5", "s", "s", "s"]
