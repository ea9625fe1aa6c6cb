"""Every page of the app, for every role, in a real browser, with the demo data: axe-core finds no
violation of the WCAG 2.0/2.1 A and AA rules (RGAA 4.1), and the Nu Html Checker no HTML error.

The pages come from the map of the site (plan.py), which names every URL pattern. A role that is
refused a page (403, 404, or sent to the login page) is not audited there; every page must open
for at least one role. A form is audited again after a POST of the emptied form, with its errors
shown. The HTML the server sent is saved and validated at the end in one run of the checker, and
a screenshot of each page is left in artefacts/e2e/ for a person to look at."""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from .outils import se_connecter
from .plan import ADMIN_AUDITE, ANONYME, PAGES, SANS_PAGE, Demo
from .verificateurs import (
    PAGE_CASSEE,
    auditer_accessibilite,
    preparer_audit,
    resumer_erreurs_html,
    resumer_violations,
    valider_html,
)

# The animateur first: screenshots show each page as the first role that opens it sees it.
ROLES = [ANONYME, "demo-animateur", "demo-chef", "demo-partenaire", "demo-porteur", "demo-admin"]
ADMINISTRATEUR = "demo-admin"
PAGE_404 = "/page-qui-n-existe-pas/"

# Faults of the application's pages, known and not yet fixed: (pattern name, axe rule id) or
# (pattern name, vnu message) -> where it comes from and the fix. Fix it, then remove its line: an
# entry that no longer matches anything fails the test, so these lists only shrink.
CONNUS = {}

# Empties every field a person can change, so that the POST comes back with the form's errors.
VIDER_LE_FORMULAIRE = """(formulaire) => {
  for (const champ of formulaire.elements) {
    if (["hidden", "submit", "button", "reset"].includes(champ.type)) continue;
    if (champ.type === "checkbox" || champ.type === "radio") champ.checked = false;
    else if (champ.tagName === "SELECT") {
      if (champ.multiple) for (const option of champ.options) option.selected = false;
      else champ.selectedIndex = 0;
    } else champ.value = "";
  }
}"""
MARQUES_D_ERREUR = ".is-invalid, .invalid-feedback, .errorlist, .alert-danger"


def _empreintes(html):
    """Fingerprints of a page's header (the navigation, which depends on the role) and of the
    rest, CSRF tokens left out. A page whose header and rest were both audited already, for
    another role, has the same markup: it would give the same results."""
    html = re.sub(rb'(name="csrfmiddlewaretoken" value=")[^"]*', rb"\1", html)
    entete = re.search(rb"<header\b.*?</header>", html, re.DOTALL)
    entete = entete.group(0) if entete else b""
    return hashlib.sha256(entete).hexdigest(), hashlib.sha256(html.replace(entete, b"", 1)).hexdigest()


@dataclass
class Controle:
    role: str
    nom: str
    variante: str
    url: str
    fichier: str
    violations: list = field(default_factory=list)


class Auditeur:
    """Walks the pages, runs axe-core on each as the browser shows it, keeps the HTML the server
    sent for the HTML checker, and notes every other fault met on the way."""

    def __init__(self, dossier_html, captures):
        self.dossier_html = dossier_html
        self.captures = captures
        self.controles = []
        self.problemes = []
        self.ouvertes = defaultdict(set)
        self.formulaires_refuses = defaultdict(set)
        self.entetes_vus, self.corps_vus, self.identiques = set(), set(), []
        self.deja_captures = set()
        self.incidents = []

    def suivre(self, page):
        """Note what a person would not see: a style sheet or script that fails to load, a
        script error."""
        page.on("response", self._ressource)
        page.on("requestfailed", self._requete_echouee)
        page.on("pageerror", lambda erreur: self.incidents.append(f"erreur JavaScript : {erreur}"))

    def _ressource(self, reponse):
        if reponse.status >= 400 and reponse.request.resource_type != "document":
            self._ressource_perdue(reponse.url, reponse.status)

    def _requete_echouee(self, requete):
        # ERR_ABORTED: the browser dropped a request of the page it was leaving (its icon, often).
        if requete.failure != "net::ERR_ABORTED":
            self._ressource_perdue(requete.url, requete.failure)

    def _ressource_perdue(self, url, cause):
        # Chromium asks for /favicon.ico by itself on pages that name no icon (Django's admin).
        if not url.endswith("/favicon.ico"):
            self.incidents.append(f"{url} : {cause}")

    def ouvrir(self, page, role, nom, url, redirige=False):
        """Go to the page; returns its response when it opened for this role, None when refused."""
        self.incidents.clear()
        reponse = page.goto(url)
        if (reponse.request.redirected_from is not None and not redirige) or reponse.status in (403, 404):
            if reponse.status in (403, 404):
                self.page_d_erreur(page, reponse, role)
            return None
        if reponse.status != 200:
            self.problemes.append(f"{role} {nom} {url} : réponse {reponse.status}")
            return None
        self.ouvertes[nom].add(role)
        return reponse

    def page_d_erreur(self, page, reponse, role):
        nom = f"page {reponse.status}"
        if nom not in self.ouvertes:
            self.ouvertes[nom].add(role)
            self.controler(page, reponse, role, nom, "")

    def controler(self, page, reponse, role, nom, variante):
        if self.incidents:
            self.problemes.append(f"{role} {nom} {variante} : {self.incidents}")
        html = reponse.body()
        entete, corps = _empreintes(html)
        if entete in self.entetes_vus and corps in self.corps_vus:
            self.identiques.append({"role": role, "nom": nom, "variante": variante, "url": page.url})
            return
        self.entetes_vus.add(entete)
        self.corps_vus.add(corps)
        fichier = self.dossier_html / f"{len(self.controles):03d}-{role}-{nom.replace(':', '-').replace(' ', '-')}.html"
        fichier.write_bytes(html)
        self.controles.append(Controle(role, nom, variante, page.url, fichier.name, auditer_accessibilite(page)))
        if (nom, variante) not in self.deja_captures:
            self.deja_captures.add((nom, variante))
            suffixe = f"-{re.sub(r'[^\w]+', '-', variante).strip('-')}" if variante else ""
            page.screenshot(
                path=self.captures / f"{nom.replace(':', '-').replace(' ', '-')}{suffixe}--{role}.png", full_page=True
            )

    def controler_erreurs_du_formulaire(self, page, role, nom):
        formulaires = page.locator("main form[method=post]")
        if not formulaires.count():
            return  # not this role's to fill in; some role must be (checked at the end)
        if formulaires.count() != 1:
            self.problemes.append(f"{role} {nom} : {formulaires.count()} formulaires POST dans <main>, 1 attendu")
            return
        formulaires.evaluate(VIDER_LE_FORMULAIRE)
        self.incidents.clear()
        with page.expect_navigation() as navigation:
            formulaires.locator("[type=submit]").first.click()
        reponse = navigation.value
        if reponse.request.method != "POST" or reponse.status != 200:
            self.problemes.append(f"{role} {nom} : le formulaire vidé n’a pas été refusé ({reponse.status} {page.url})")
            return
        if not page.locator(MARQUES_D_ERREUR).count():
            self.problemes.append(f"{role} {nom} : le formulaire vidé est revenu sans erreur affichée")
        self.formulaires_refuses[nom].add(role)
        self.controler(page, reponse, role, nom, "erreurs")


def _parcourir(auditeur, page, role, demo):
    for nom, cible in PAGES.items():
        url = cible.chemin(demo)
        reponse = auditeur.ouvrir(page, role, nom, url, redirige=cible.redirige)
        if reponse is None:
            continue
        auditeur.controler(page, reponse, role, nom, "")
        if cible.formulaire:
            auditeur.controler_erreurs_du_formulaire(page, role, nom)
        for variante in cible.variantes:
            variante, adresse = (
                (variante[0], variante[1](demo)) if isinstance(variante, tuple) else (variante, url + variante)
            )
            reponse = auditeur.ouvrir(page, role, nom, adresse)
            if reponse is not None:
                auditeur.controler(page, reponse, role, nom, variante)


def _verifier_les_motifs_sans_page(auditeur, page, demo):
    for nom, attendu in SANS_PAGE.items():
        # A minute, not Playwright's 15 s: the annual report's PDF is laid out by WeasyPrint, whose
        # first use in a process also loads its fonts, and a loaded test machine runs it slower.
        reponse = page.request.get(attendu.chemin(demo), max_redirects=0, timeout=60_000)
        type_de_contenu = reponse.headers.get("content-type", "")
        if reponse.status != attendu.statut or not type_de_contenu.startswith(attendu.type_de_contenu):
            auditeur.problemes.append(
                f"{nom} est déclaré sans page ({attendu.raison}) mais répond {reponse.status} {type_de_contenu}"
            )


def _auditer_l_administration(auditeur, page, demo):
    for nom, chemin in ADMIN_AUDITE.items():
        reponse = auditeur.ouvrir(page, ADMINISTRATEUR, nom, chemin(demo))
        if reponse is None:
            auditeur.problemes.append(f"{nom} : refusé à {ADMINISTRATEUR}")
        else:
            auditeur.controler(page, reponse, ADMINISTRATEUR, nom, "")


def _valider_le_html(auditeur):
    """One JVM for every page, with the broken page as a witness: if the checker did not flag it,
    it did not check the others either."""
    temoin = auditeur.dossier_html / "temoin-casse.html"
    temoin.write_text(PAGE_CASSEE, encoding="utf-8")
    erreurs = valider_html([temoin, *(auditeur.dossier_html / c.fichier for c in auditeur.controles)])
    assert erreurs.pop(temoin.name), "le Nu Html Checker n’a rien signalé sur la page cassée exprès"
    return erreurs


def test_every_page_for_every_role_has_no_accessibility_violation_and_valid_html(
    donnees_demo, nouveau_contexte, artefacts, tmp_path
):
    captures = artefacts / "captures"
    captures.mkdir(exist_ok=True)
    for ancienne in captures.glob("*.png"):
        ancienne.unlink()
    auditeur = Auditeur(tmp_path, captures)
    demo = Demo()

    for role in ROLES:
        contexte = nouveau_contexte()
        preparer_audit(contexte)
        page = contexte.new_page()
        auditeur.suivre(page)
        if role != ANONYME:
            se_connecter(page, role)
        _parcourir(auditeur, page, role, demo)
        if role == "demo-animateur":
            reponse = page.goto(PAGE_404)
            auditeur.page_d_erreur(page, reponse, role)
        if role == "demo-chef":
            _verifier_les_motifs_sans_page(auditeur, page, demo)
        if role == ADMINISTRATEUR:
            _auditer_l_administration(auditeur, page, demo)
        contexte.close()

    erreurs_html = _valider_le_html(auditeur)
    echecs, vus = list(auditeur.problemes), set()
    for controle in auditeur.controles:
        ou = f"{controle.role} {controle.nom} {controle.variante} {controle.url}".replace("  ", " ")
        for violation in controle.violations:
            if (controle.nom, violation["id"]) in CONNUS:
                vus.add((controle.nom, violation["id"]))
            else:
                echecs += [f"axe {ou} : {ligne}" for ligne in resumer_violations([violation])]
        for erreur in erreurs_html[controle.fichier]:
            if (controle.nom, erreur["message"]) in CONNUS:
                vus.add((controle.nom, erreur["message"]))
            else:
                echecs += [f"vnu {ou} ({controle.fichier}) : {ligne}" for ligne in resumer_erreurs_html([erreur])]
    echecs += [f"{nom} ne s’ouvre pour aucun rôle" for nom in PAGES if not auditeur.ouvertes[nom]]
    echecs += [
        f"{nom} : aucun rôle n’a vu son formulaire refuser un envoi vide"
        for nom, cible in PAGES.items()
        if cible.formulaire and not auditeur.formulaires_refuses[nom]
    ]
    echecs += [
        f"{cle} est dans la liste des défauts connus mais n’apparaît plus : retirez-le" for cle in set(CONNUS) - vus
    ]

    (artefacts / "audit.json").write_text(
        json.dumps(
            {
                "pages": [asdict(c) | {"html": erreurs_html[c.fichier]} for c in auditeur.controles],
                "identiques_a_une_page_deja_auditee": auditeur.identiques,
                "echecs": echecs,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    roles_par_page = {nom: sorted(roles) for nom, roles in auditeur.ouvertes.items()}
    (artefacts / "pages-par-role.json").write_text(json.dumps(roles_par_page, ensure_ascii=False, indent=1))
    assert len(auditeur.controles) > len(PAGES), "trop peu de pages auditées : le parcours s’est arrêté tôt"
    assert not echecs, f"{len(echecs)} défaut(s), détail dans {artefacts / 'audit.json'} :\n" + "\n".join(echecs)
