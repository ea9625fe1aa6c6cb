"""Whatever is typed, no page answers 5xx: generated values (hypothesis) are posted to every form
of the app and sent in every query parameter and path segment, as each role and without a login,
on the demo data.

What is fuzzed is found, not listed, so that a page added later is covered without editing this
file: the URL patterns come from the URLconf and e2e/plan.py (which builds a real address of each
from the demo data, and which test_plan.py keeps complete); the forms and query parameters come
from the pages themselves, read as each role (html.parser): every form, its fields and the
values it offers, every parameter of a filter form or of a link. Values are drawn per kind of
field: text (NUL bytes, 100 000 characters, any Unicode), numbers (negative, 2**15, 2**63,
decimals with a comma), dates (0001-01-01, 9999-12-31, nonsense), choices (the ones offered, and
ids of 20 digits), from the page's own values outwards; and, explicitly on every run, the traps
of each kind and the page's values pushed to the edges of their numbers (0000-0001, 2**63).

Each request runs in a savepoint rolled back after it: every example meets the same demo data,
and a database error cannot poison the requests after it (PostgreSQL refuses every query of a
failed transaction). The hypothesis profile (conftest.py) bounds the run."""

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import pytest
from django.conf import settings as reglages
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django.urls import Resolver404, resolve
from hypothesis import example, given, settings
from hypothesis import strategies as st

from demo.activite import generer_activite
from demo.dossiers import dossiers_de_demo
from e2e.plan import (
    ADMIN_AUDITE,
    ANONYME,
    NAMESPACES_EXCLUS,
    PAGES,
    SANS_PAGE,
    Demo,
    motifs_a_auditer,
    motifs_nommes,
)

pytestmark = pytest.mark.django_db

ROLES = [ANONYME, "demo-animateur", "demo-chef", "demo-partenaire", "demo-porteur", "demo-admin"]
VINGT_CHIFFRES = "9" * 20

# --- Values ----------------------------------------------------------------------------------------

CARACTERES = st.characters(codec="utf-8")
PIEGES_TEXTE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 10_001,
    "x" * 100_000,
    "é" * 256,
    "😀" * 64,
    "\u202e\u200b\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    VINGT_CHIFFRES,
]
PIEGES_NOMBRE = [
    "-1",
    "0",
    "32767",
    "32768",
    "65536",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    VINGT_CHIFFRES,
    "1e308",
    "NaN",
    "inf",
    "1,5",
    "1 500,50",
    "1\u202f500,50",
    "1.500",
    "0x10",
    "١٢",
]
PIEGES_DATE = [
    "01/01/0001",
    "31/12/9999",
    "0001-01-01",
    "9999-12-31",
    "31/12/1989",
    "01/01/1990",
    "31/12/2100",
    "01/01/2101",
    "29/02/2023",
    "00/00/0000",
    "32/01/2025",
    "2025-13-45",
    "demain",
]
PIEGES_CHOIX = ["", "0", "-1", VINGT_CHIFFRES, str(2**63), "\x00", "abc", "1.5", " 1", "null"]


def _jj_mm_aaaa(jour):
    # Not strftime: it writes the year 1 as "1", not "0001".
    return f"{jour.day:02d}/{jour.month:02d}/{jour.year:04d}"


NOMBRE = re.compile(r"[0-9]+")


def _aux_bords(valeur, cible):
    """The value with its numbers moved together so that the first one becomes `cible`, each
    keeping its width: "2025-2026" to 0 is "0000-0001", to 9999 is "9999-10000". A value a page
    offers, pushed to the edges of what its kind can hold."""
    premier = NOMBRE.search(valeur)
    if premier is None:
        return valeur
    ecart = cible - int(premier.group())
    return NOMBRE.sub(lambda m: str(int(m.group()) + ecart).zfill(len(m.group())), valeur)


def _alterations(valeurs):
    """Values a page offers, altered the way that breaks pages: numbers pushed to the edges (0,
    the largest of their width, past a small or a big integer column), a NUL byte inside, the
    value repeated past any column's length."""
    alterees = set()
    for valeur in valeurs:
        if not isinstance(valeur, str):
            continue
        alterees |= {valeur + "\x00", "\x00" + valeur, valeur * (10_001 // max(len(valeur), 1) + 1)}
        if premier := NOMBRE.search(valeur):
            for cible in [0, 10 ** len(premier.group()) - 1, 2**15, 2**63, 10**20]:
                alterees.add(_aux_bords(valeur, cible))
    return st.sampled_from(sorted(alterees)) if alterees else st.nothing()


# Tried on every target, explicitly, besides the drawn examples: the fields of one kind get the
# k-th trap of that kind, then their page value pushed to the edges of its numbers or given a NUL
# byte, while the other fields keep the page's values (a value refused by one field would hide
# what another does with its own). What made pages answer 500 once is tried again on every run.
PIEGES_PAR_GENRE = {
    "texte": ["\x00", "x" * 10_001],
    "nombre": ["32768", str(2**63)],
    "date": ["01/01/0001", "31/12/9999"],
    "choix": [VINGT_CHIFFRES, "\x00"],
    "case": ["\x00", "x" * 1000],
}


def _pieges(genre, reference):
    """The traps of a field of that kind whose page value (or first offered value) is `reference`."""
    premier = NOMBRE.search(reference)
    largeur = 10 ** len(premier.group()) - 1 if premier else 0
    return [*PIEGES_PAR_GENRE[genre], _aux_bords(reference, 0), _aux_bords(reference, largeur), reference + "\x00"]


NB_PIEGES = len(_pieges("texte", ""))


TEXTES = st.one_of(st.sampled_from(PIEGES_TEXTE), st.text(CARACTERES, max_size=40))
NOMBRES = st.one_of(
    st.sampled_from(PIEGES_NOMBRE),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(lambda d: str(d).replace(".", ",")),
)
DATES = st.one_of(
    st.sampled_from(PIEGES_DATE),
    st.dates(date(2020, 1, 1), date(2028, 12, 31)).map(_jj_mm_aaaa),
    st.dates().map(_jj_mm_aaaa),
    st.dates().map(date.isoformat),
)
CASES = st.sampled_from(["on", "1", "0", "", "\x00", "x" * 1000])
PAR_GENRE = {"texte": TEXTES, "nombre": NOMBRES, "date": DATES, "case": CASES}


# --- What the pages offer --------------------------------------------------------------------------


@dataclass
class Champ:
    """A field of a form, or a query parameter, as the pages show it."""

    nom: str
    genre: str  # texte, nombre, date, choix or case
    options: set = field(default_factory=set)
    multiple: bool = False
    valeurs: list = field(default_factory=list)  # as a page filled it in

    def fusionner(self, autre):
        self.options |= autre.options
        self.multiple |= autre.multiple
        self.valeurs += [v for v in autre.valeurs if v not in self.valeurs]
        if self.genre == "texte":
            self.genre = autre.genre

    def telle_quelle(self):
        """The value the page sent it with; None: the page sent nothing."""
        if self.multiple:
            return list(self.valeurs) or None
        return self.valeurs[0] if self.valeurs else None

    def pieges(self):
        reference = next(iter(self.valeurs), None) or next(iter(sorted(self.options)), "")
        return [[piege] if self.multiple else piege for piege in _pieges(self.genre, reference)]

    def strategie(self):
        offertes = sorted(self.options | {v for v in self.valeurs if isinstance(v, str)})
        if self.genre == "choix":
            une = st.one_of(
                st.sampled_from(sorted(self.options) or [""]), st.sampled_from(PIEGES_CHOIX), _alterations(offertes)
            )
            valeur = st.lists(une, max_size=4) if self.multiple else une
        else:
            valeur = st.one_of(PAR_GENRE[self.genre], _alterations(offertes))
        if self.valeurs:
            # The page's own value first: the simplest example is the form as it was shown.
            valeur = st.one_of(st.sampled_from(self.valeurs), valeur)
        return valeur


def _genre(balise, attributs):
    type_ = attributs.get("type", "text")
    if balise == "textarea":
        return "texte"
    if type_ == "number" or attributs.get("inputmode") == "decimal":
        return "nombre"
    if type_ == "date" or attributs.get("placeholder") == "jj/mm/aaaa":
        return "date"
    return "texte"


class LecteurDePage(HTMLParser):
    """The forms of a page (where each posts, its fields) and the query parameters of its links."""

    def __init__(self, adresse):
        super().__init__()
        self.adresse = adresse
        self.formulaires = []  # (method, target, {name: Champ})
        self.liens = []  # target addresses with a query string
        self._formulaire = self._select = self._textarea = None

    def _champ(self, champ):
        champs = self._formulaire[2] if self._formulaire else None
        if champs is None or not champ.nom or champ.nom == "csrfmiddlewaretoken":
            return
        if champ.nom in champs:
            champs[champ.nom].fusionner(champ)
        else:
            champs[champ.nom] = champ

    def handle_starttag(self, balise, attrs):
        attributs = {cle: valeur if valeur is not None else "" for cle, valeur in attrs}
        nom = attributs.get("name", "")
        if balise == "form":
            cible = urljoin(self.adresse, attributs.get("action") or self.adresse)
            self._formulaire = (attributs.get("method", "get").lower(), cible, {})
        elif balise == "a" and "?" in attributs.get("href", ""):
            self.liens.append(urljoin(self.adresse, attributs["href"]))
        elif balise == "input":
            type_ = attributs.get("type", "text")
            if type_ in {"submit", "button", "reset", "image", "file"}:
                return
            valeur = attributs.get("value", "")
            if type_ in {"checkbox", "radio"}:
                # A box alone is a yes/no; several of one name, or radio buttons, a choice.
                genre = "choix" if type_ == "radio" or valeur not in {"", "on"} else "case"
                valeurs = [valeur or "on"] if "checked" in attributs else []
                multiple = type_ == "checkbox" and genre == "choix"
                self._champ(Champ(nom, genre, options={valeur or "on"}, multiple=multiple, valeurs=valeurs))
            else:
                self._champ(Champ(nom, _genre(balise, attributs), valeurs=[valeur] if valeur else []))
        elif balise == "select":
            self._select = Champ(nom, "choix", multiple="multiple" in attributs)
        elif balise == "option" and self._select is not None:
            self._select.options.add(attributs.get("value", ""))
            if "selected" in attributs:
                self._select.valeurs.append(attributs.get("value", ""))
        elif balise == "textarea":
            self._textarea = Champ(nom, "texte", valeurs=[])

    def handle_data(self, texte):
        if self._textarea is not None and texte.strip():
            self._textarea.valeurs.append(texte)

    def handle_endtag(self, balise):
        if balise == "form" and self._formulaire:
            self.formulaires.append(self._formulaire)
            self._formulaire = None
        elif balise == "select" and self._select is not None:
            self._champ(self._select)
            self._select = None
        elif balise == "textarea" and self._textarea is not None:
            self._champ(self._textarea)
            self._textarea = None


def _chemin(adresse):
    return urlsplit(adresse).path


def _motif(adresse):
    """The URL pattern an address resolves to ("actions:detail"), or None."""
    try:
        correspondance = resolve(_chemin(adresse))
    except Resolver404:
        return None
    return correspondance.view_name


@dataclass
class Carte:
    """What the pages showed, across the roles: the addresses to send parameters to, the forms
    to post to, and every query parameter seen."""

    adresses: dict = field(default_factory=dict)  # pattern name -> address
    formulaires: dict = field(default_factory=dict)  # target address -> {name: Champ}
    parametres: dict = field(default_factory=dict)  # name -> Champ
    par_chemin: dict = field(default_factory=lambda: defaultdict(set))  # path -> names sent to it
    refusees: set = field(default_factory=set)  # (role, path) of the pages refused to a role

    def parametre(self, champ, cible=None):
        if cible:
            self.par_chemin[_chemin(cible)].add(champ.nom)
        if champ.nom in self.parametres:
            self.parametres[champ.nom].fusionner(champ)
        else:
            self.parametres[champ.nom] = Champ(
                champ.nom, champ.genre, set(champ.options), champ.multiple, list(champ.valeurs)
            )

    def lire(self, adresse, reponse):
        if reponse.status_code in (301, 302) and "?" in reponse.get("Location", ""):
            for nom, valeur in parse_qsl(urlsplit(reponse["Location"]).query):
                self.parametre(Champ(nom, "texte", valeurs=[valeur]), reponse["Location"])
        if reponse.status_code != 200 or "html" not in reponse.get("Content-Type", ""):
            return
        lecteur = LecteurDePage(adresse)
        lecteur.feed(reponse.content.decode())
        for methode, cible, champs in lecteur.formulaires:
            if methode == "post":
                formulaire = self.formulaires.setdefault(cible, {})
                for champ in champs.values():
                    if champ.nom in formulaire:
                        formulaire[champ.nom].fusionner(champ)
                    else:
                        formulaire[champ.nom] = champ
            else:
                for champ in champs.values():
                    self.parametre(champ, cible)
        for lien in lecteur.liens:
            for nom, valeur in parse_qsl(urlsplit(lien).query, keep_blank_values=True):
                self.parametre(Champ(nom, "texte", valeurs=[valeur]), lien)


# --- Sending ---------------------------------------------------------------------------------------


class Envoi:
    """Sends requests as one role, each in a savepoint rolled back after it, and keeps every
    answer of 500 or more."""

    def __init__(self, client, utilisateurs):
        self.client = client
        self.client.raise_request_exception = False
        self.utilisateurs = utilisateurs
        self.role = None
        self.nombre = 0
        self.echecs = []

    def connecter(self, role):
        self.role = role
        self.client.logout()
        if role != ANONYME:
            self.client.force_login(self.utilisateurs[role])

    def __call__(self, methode, adresse, donnees=None):
        point = transaction.savepoint_create()
        try:
            reponse = getattr(self.client, methode)(adresse, donnees or {})
        except Exception as erreur:  # whatever escapes the client is a failure to report
            reponse, statut = None, f"{type(erreur).__name__}: {erreur}"
        else:
            statut = reponse.status_code
            if reponse.exc_info:
                statut = f"{statut} {reponse.exc_info[0].__name__}: {str(reponse.exc_info[1])[:200]}"
        finally:
            transaction.savepoint_rollback(point)
            # An error inside a view's atomic block leaves the flag that forbids further queries
            # until the outer block ends: the savepoint it concerned is gone.
            connection.needs_rollback = False
        self.nombre += 1
        if not isinstance(statut, int) or statut >= 500:
            self.echecs.append((self.role, methode.upper(), adresse, _abrege(donnees), statut))
        session = self.client.cookies.get(reglages.SESSION_COOKIE_NAME)
        if self.role != ANONYME and (session is None or not session.value):
            self.connecter(self.role)  # logged out by what was sent (a POST to deconnexion)
        return reponse


def _abrege(donnees):
    return {
        nom: (valeur[:40] + f"… ({len(valeur)} car.)" if isinstance(valeur, str) and len(valeur) > 40 else valeur)
        for nom, valeur in (donnees or {}).items()
    }


def _sans_vides(donnees):
    return {nom: valeur for nom, valeur in donnees.items() if valeur is not None}


def _envoyer_au_hasard(strategie, envoyer, ouverte=True, explicites=()):
    """Runs `envoyer` on the explicit examples and on values drawn from `strategie`, as many as
    the hypothesis profile says; once only where the role is refused the page anyway (its answer
    does not depend on what is sent, and that once checks it)."""

    def exemple(valeurs):
        envoyer(valeurs)

    exemple = given(strategie)(exemple)
    for valeurs in explicites if ouverte else ():
        exemple = example(valeurs)(exemple)
    settings(max_examples=settings.default.max_examples if ouverte else 1)(exemple)()


# The counts of a formset's management form (the admin's inlines): tampered with, they only make
# Django build up to a thousand forms per formset, which is slow but no error, and took most of
# the run. They are sent as the page set them.
GESTION_DES_FORMSETS = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")


def _formulaire_piege(champs):
    """The explicit examples of a form: for each kind of field, each trap given to the fields of
    that kind, the others as the page sent them (formset counts too)."""
    pieges = {nom: champ.pieges() for nom, champ in champs.items() if not GESTION_DES_FORMSETS.search(nom)}
    exemples = {}
    for genre in sorted({champs[nom].genre for nom in pieges}):
        for rang in range(NB_PIEGES):
            donnees = {
                nom: pieges[nom][rang] if nom in pieges and champ.genre == genre else champ.telle_quelle()
                for nom, champ in sorted(champs.items())
            }
            exemples[repr(donnees)] = _sans_vides(donnees)
    return list(exemples.values())


def _formulaire_au_hasard(champs):
    # Each field is sent as the page filled it, with a drawn value, or not at all.
    return st.fixed_dictionaries(
        {
            nom: st.sampled_from(champ.valeurs)
            if GESTION_DES_FORMSETS.search(nom)
            else st.one_of(st.none(), champ.strategie())
            for nom, champ in sorted(champs.items())
        }
    ).map(_sans_vides)


def _parametres_pieges(parametres, propres):
    """The explicit examples of an address: each of its own parameters alone, with each trap (a
    query parameter may be left out, and one refused could hide what the view does with another)."""
    return [{nom: piege} for nom in propres for piege in parametres[nom].pieges()]


def _parametres_au_hasard(parametres, propres):
    """A few query parameters: half of the time among those the pages send to this address (its
    filters, the links to it), otherwise among all those of the app."""

    def tirage(noms):
        return st.sets(st.sampled_from(sorted(noms)), min_size=1, max_size=3).flatmap(
            lambda choisis: st.fixed_dictionaries({nom: parametres[nom].strategie() for nom in sorted(choisis)})
        )

    return st.one_of(tirage(propres), tirage(parametres)) if propres else tirage(parametres)


CONVERTISSEUR = re.compile(r"<(?:(\w+):)?(\w+)>")
SEGMENTS = {
    "id": st.one_of(st.sampled_from(["0", VINGT_CHIFFRES, str(2**63), str(2**63 - 1)]), st.integers(0).map(str)),
    "int": st.one_of(st.sampled_from(["0", VINGT_CHIFFRES, str(2**63)]), st.integers(0).map(str)),
}
SEGMENT_TEXTE = st.one_of(st.sampled_from(PIEGES_TEXTE[1:]), st.text(CARACTERES, min_size=1, max_size=40))


def _chemins_pieges(route, reelles):
    """The explicit examples of a route: every segment with its k-th trap, from its real value."""
    parametres = CONVERTISSEUR.findall(route)
    pieges = {}
    for convertisseur, nom in parametres:
        genre = "nombre" if convertisseur in SEGMENTS else "texte"
        pieges[nom] = [p for p in _pieges(genre, str(reelles.get(nom, "1"))) if p]
    return [
        CONVERTISSEUR.sub(lambda m, r=rang: quote(pieges[m.group(2)][r % len(pieges[m.group(2)])], safe=""), route)
        for rang in range(NB_PIEGES)
    ]


def _chemins_au_hasard(route, reelles):
    """Addresses of a route ("/fiches/<str:code>/") with its segments drawn, from the values of a
    real address of it (`reelles`) and beyond; quoted as a browser would, so that each reaches
    the route's converters."""
    parametres = CONVERTISSEUR.findall(route)
    strategies = {
        nom: st.one_of(
            _alterations([str(reelles[nom])] if nom in reelles else []), SEGMENTS.get(convertisseur, SEGMENT_TEXTE)
        )
        for convertisseur, nom in parametres
    }

    def adresse(valeurs):
        return CONVERTISSEUR.sub(lambda m: quote(valeurs[m.group(2)], safe=""), route)

    return st.fixed_dictionaries(strategies).map(adresse)


# --- The test --------------------------------------------------------------------------------------


@pytest.fixture
def demo_complete(demo, reference):
    """The demo as `make run` loads it: territory, accounts, three school years of activity, and the
    appel à projets with its dossiers."""
    generer_activite(contrat=reference)
    dossiers_de_demo(contrat=reference)
    return {nom: get_user_model().objects.get(username=nom) for nom in demo}


def _adresses_du_plan(demo):
    adresses = {nom: page.chemin(demo) for nom, page in PAGES.items()}
    adresses |= {nom: page.chemin(demo) for nom, page in SANS_PAGE.items()}
    adresses |= {nom: chemin(demo) for nom, chemin in ADMIN_AUDITE.items()}
    return adresses


def _lire_les_pages(envoyer, adresses):
    """Every page of the plan, as every role (and its variants): what they offer to fuzz."""
    carte = Carte(adresses=adresses)
    for role in ROLES:
        envoyer.connecter(role)
        for nom, adresse in adresses.items():
            variantes = PAGES[nom].variantes if nom in PAGES else ()
            reponse = envoyer("get", adresse)
            if reponse.status_code in (403, 404) or "connexion" in reponse.get("Location", ""):
                carte.refusees.add((role, _chemin(adresse)))
            carte.lire(adresse, reponse)
            # A variant built from the demo (another address) is the plan's to audit, not a query string.
            for variante in (v for v in variantes if isinstance(v, str)):
                carte.lire(adresse + variante, envoyer("get", adresse + variante))
    return carte


def _routes_a_segments():
    """The routes of the project's own patterns that take path segments (Django's admin is its own)."""
    return {
        f"{namespace}:{nom}" if namespace else nom: route
        for namespace, nom, route in motifs_nommes()
        if CONVERTISSEUR.search(route) and namespace.split(":")[0] not in NAMESPACES_EXCLUS
    }


@override_settings(AXES_ENABLED=True)
def test_no_generated_input_makes_a_page_answer_5xx(client, demo_complete, capsys):
    debut = time.monotonic()
    envoyer = Envoi(client, demo_complete)
    adresses = _adresses_du_plan(Demo())
    carte = _lire_les_pages(envoyer, adresses)
    routes = _routes_a_segments()
    formulaires = carte.formulaires

    # What was found covers the app: every pattern of the URLconf has an address (the plan's), every
    # form of the plan was found with its fields, and the parameters the pages send were seen.
    noms, _ = motifs_a_auditer()
    assert noms <= {_motif(adresse) for adresse in adresses.values()}
    # A form reached through a redirect (a reset link moves its token into the session first) is
    # not read here: the browser tests audit it.
    a_formulaire = {nom for nom, page in PAGES.items() if page.formulaire and not page.redirige}
    trouves = {_motif(cible) for cible, champs in formulaires.items() if champs}
    assert a_formulaire <= trouves, f"Formulaires introuvables : {sorted(a_formulaire - trouves)}"
    assert {"annee", "page", "quartier", "q", "next", "carte"} <= set(carte.parametres)

    for role in ROLES:
        envoyer.connecter(role)

        def ouverte(adresse, role=role):
            return (role, _chemin(adresse)) not in carte.refusees

        for cible, champs in sorted(formulaires.items()):
            _envoyer_au_hasard(
                _formulaire_au_hasard(champs),
                lambda donnees, c=cible: envoyer("post", c, donnees),
                ouverte(cible),
                _formulaire_piege(champs),
            )
        for adresse in sorted(set(adresses.values())):
            propres = sorted(carte.par_chemin.get(_chemin(adresse), ()))
            _envoyer_au_hasard(
                _parametres_au_hasard(carte.parametres, propres),
                lambda parametres, a=adresse: envoyer("get", _chemin(a), parametres),
                ouverte(adresse),
                _parametres_pieges(carte.parametres, propres),
            )
        for nom, route in sorted(routes.items()):
            reelles = resolve(_chemin(adresses[nom])).kwargs if nom in adresses else {}
            _envoyer_au_hasard(
                _chemins_au_hasard(route, reelles),
                lambda chemin: envoyer("get", chemin),
                ouverte(adresses[nom]) if nom in adresses else True,
                _chemins_pieges(route, reelles),
            )

    nb_champs = sum(len(champs) for champs in formulaires.values())
    motifs = {_motif(a) for a in adresses.values()} | set(routes) | trouves
    with capsys.disabled():
        print(
            f"\nfuzz : {envoyer.nombre} requêtes en {time.monotonic() - debut:.0f} s, {len(motifs - {None})} motifs "
            f"d’URL, {len(formulaires)} formulaires ({nb_champs} champs), {len(carte.parametres)} paramètres de "
            f"requête, {len(routes)} routes à segments, {len(ROLES)} rôles"
        )
    par_motif = defaultdict(list)
    for echec in envoyer.echecs:
        par_motif[_motif(echec[2])].append(echec)
    assert not envoyer.echecs, "Réponses 5xx :\n" + "\n".join(
        f"{motif} : {len(echecs)} fois, par exemple {echecs[0]}" for motif, echecs in par_motif.items()
    )
