"""The map of the site for the audits: every named URL pattern of the project, found by walking
the URLconf, and how to build a real URL for it from the demo data. A pattern added to the app
and missing here fails `test_plan.py`, with the name to add.

Django's admin is Django's own: its index, one changelist and one change form are audited as
demo-admin (ADMIN_AUDITE); every other admin pattern is left out on purpose (NAMESPACES_EXCLUS)."""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actions import exports
from actions.exports import Mois, titre_de_seance
from actions.models import Action, Seance
from actions.questionnaires import questionnaire
from actions.selectors import presences_du_mois
from demo.adhesions import QUARTIERS_DU_PARTENAIRE, STRUCTURE_DE_L_ANIMATEUR
from demo.dossiers import TITRES
from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier
from fiches.annees import AnneeScolaire
from fiches.models import Fiche
from fiches.tableurs import en_csv
from imports.services import import_previsualiser
from indicateurs.models import Indicateur, ValeurExterne

# The demo animateur's structure: its actions are the ones audited, so that the pages of an action
# open for the animateur as well as for the officers. The quartier audited is one the demo partner
# is granted, for the same reason.
STRUCTURE_AUDITEE = STRUCTURE_DE_L_ANIMATEUR
QUARTIER_AUDITE = QUARTIERS_DU_PARTENAIRE[0]

ANONYME = "anonyme"


def motifs_nommes(resolver=None, namespace="", prefixe="/"):
    """(namespace, name, route) of every pattern of the project; name is None for an unnamed one."""
    for entree in (resolver or get_resolver()).url_patterns:
        route = prefixe + str(entree.pattern)
        if isinstance(entree, URLResolver):
            yield from motifs_nommes(entree, ":".join(n for n in [namespace, entree.namespace] if n), route)
        elif isinstance(entree, URLPattern):
            yield namespace, entree.name, route


class Demo:
    """The objects whose pages are audited, read once from the demo data."""

    @cached_property
    def fiche(self):
        return Fiche.objects.get(code="1.2.3")

    @cached_property
    def indicateur(self):
        return Indicateur.objects.filter(fiche=self.fiche).select_related("fiche").order_by("ordre", "code").first()

    @cached_property
    def valeur_externe(self):
        """A school result of the contract, as the demo enters them."""
        return ValeurExterne.objects.filter(contrat__piliers__axes__enjeux__fiches=self.fiche).order_by("pk").first()

    @cached_property
    def action(self):
        """An action of the running school year with past sessions, children and funding."""
        action = (
            Action.objects.filter(
                porteur__nom=STRUCTURE_AUDITEE,
                seances__date__lt=timezone.localdate(),
                inscriptions__isnull=False,
                financements__isnull=False,
            )
            .distinct()
            .order_by("-date_debut", "pk")
            .first()
        )
        assert action, f"Aucune action de « {STRUCTURE_AUDITEE} » avec séances, inscrits et financement dans la démo"
        return action

    @cached_property
    def action_questionnaire(self):
        """An action of the animateur's structure that proposes the « envie d’école »
        questionnaire, with a child whose consent covers it."""
        action = (
            Action.objects.filter(
                porteur__nom=STRUCTURE_AUDITEE,
                questionnaire_envie_ecole=True,
                inscriptions__participant__consentement_questionnaire=True,
            )
            .order_by("-date_debut", "pk")
            .first()
        )
        assert action, f"Aucune action de « {STRUCTURE_AUDITEE} » ne propose le questionnaire dans la démo"
        return action

    @cached_property
    def enfant_questionnaire(self):
        """A child of that action who can answer: consent covering it, a level it has a form for."""
        niveaux = [niveau for forme in questionnaire().formes for niveau in forme.niveaux]
        return (
            self.action_questionnaire.inscriptions.filter(
                participant__consentement_questionnaire=True, participant__niveau_scolaire__in=niveaux
            )
            .select_related("participant")
            .order_by("participant__code")
            .first()
            .participant
        )

    def questionnaire(self, nom, **kwargs):
        return self.url(nom, pk=self.action_questionnaire.pk, **kwargs)

    @cached_property
    def seance(self):
        return self.action.seances.filter(date__lt=timezone.localdate()).order_by("-date").first()

    @cached_property
    def seance_cloturee(self):
        """A session of the previous school year, which generer_demo closes."""
        annee = AnneeScolaire.courante().precedente()
        return (
            Seance.objects.filter(action__porteur__nom=STRUCTURE_AUDITEE, date__range=(annee.debut, annee.fin))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )

    def cloturer(self, annee):
        return self.url("indicateurs:cloturer", annee=annee.libelle)

    @cached_property
    def participant(self):
        return self.action.inscriptions.order_by("participant__code").first().participant

    @cached_property
    def import_tableur(self):
        """The demo animateur's preview of the audited action's month, as its export reads back,
        with one cell changed and one in error: the preview's tables all show."""
        mois = Mois(self.seance.date.year, self.seance.date.month)
        grille = presences_du_mois(action=self.action, debut=mois.debut, fin=mois.fin)
        (feuille, *_) = exports.presences_du_mois(self.action, mois, grille)
        colonne = next(rang for rang, c in enumerate(feuille.colonnes) if c.cle == titre_de_seance(self.seance))
        feuille.lignes[0][colonne] = "?"
        import_tableur, _ = import_previsualiser(
            contrat=self.action.porteur.contrat,
            auteur=get_user_model().objects.get(username="demo-animateur"),
            nature="presences",
            nom=f"presences-{mois.parametre}.csv",
            contenu=en_csv(feuille),
            action=self.action,
        )
        return import_tableur

    @cached_property
    def campagne(self):
        return Campagne.objects.order_by("-annee_scolaire", "pk").first()

    def dossier(self, etat):
        """The demo dossier brought to that state (demo.dossiers)."""
        return Dossier.objects.get(titre=TITRES[etat])

    def url(self, nom, **kwargs):
        return reverse(nom, kwargs=kwargs)

    def lien_de_reinitialisation(self):
        """The link a password reset e-mail carries, for the demo officer: computed on each call,
        as a login changes the account and ends the links made before."""
        compte = get_user_model().objects.get(username="demo-chef")
        return self.url(
            "comptes:nouveau_mot_de_passe",
            uidb64=urlsafe_base64_encode(force_bytes(compte.pk)),
            token=default_token_generator.make_token(compte),
        )


@dataclass(frozen=True)
class Page:
    """How to reach the page of one pattern. `formulaire`: also audited after a POST of the
    emptied form, which must come back with its errors shown, for every role the form shows to
    (at least one). `variantes`: query strings of the same page worth their own audit (a filter
    that shows its errors, say), or (name, function of the demo giving an address) for another
    address of the same pattern. `redirige`: the address redirects to the page itself (a
    password reset link hides its token behind a redirection); otherwise a redirection means
    the role is refused."""

    chemin: object
    formulaire: bool = False
    variantes: tuple = field(default_factory=tuple)
    redirige: bool = False


def _simple(nom):
    return Page(lambda demo: reverse(nom))


PAGES = {
    # What waits for each role: the demo has dossiers in every state and sessions à saisir.
    "accueil": _simple("accueil"),
    "connexion": Page(lambda demo: reverse("connexion"), formulaire=True),
    "comptes:mot_de_passe_oublie": Page(lambda demo: reverse("comptes:mot_de_passe_oublie"), formulaire=True),
    "comptes:mot_de_passe_envoye": _simple("comptes:mot_de_passe_envoye"),
    "comptes:nouveau_mot_de_passe": Page(
        lambda demo: demo.lien_de_reinitialisation(),
        formulaire=True,
        redirige=True,
        # The page of a link that expired or served already.
        variantes=(("lien-perime", lambda demo: demo.url("comptes:nouveau_mot_de_passe", uidb64="MQ", token="x-y")),),
    ),
    "comptes:mot_de_passe_reinitialise": _simple("comptes:mot_de_passe_reinitialise"),
    "comptes:changer_mot_de_passe": Page(lambda demo: reverse("comptes:changer_mot_de_passe"), formulaire=True),
    "comptes:mot_de_passe_change": _simple("comptes:mot_de_passe_change"),
    "fiches:liste": _simple("fiches:liste"),
    "fiches:detail": Page(lambda demo: demo.fiche.get_absolute_url()),
    "fiches:indicateur": Page(lambda demo: demo.fiche.enonces_indicateurs.order_by("pk").first().get_absolute_url()),
    "partenaires:annuaire": _simple("partenaires:annuaire"),
    "partenaires:partenaire": Page(lambda demo: demo.fiche.partenaires.order_by("pk").first().get_absolute_url()),
    "partenaires:dispositif": Page(lambda demo: demo.fiche.dispositifs.order_by("pk").first().get_absolute_url()),
    "indicateurs:tableau": _simple("indicateurs:tableau"),
    # A partner granted some quartiers is sent on to the first of them, in the same fiche.
    "indicateurs:fiche": Page(lambda demo: demo.url("indicateurs:fiche", fiche=demo.fiche.code)),
    "indicateurs:quartier": Page(
        lambda demo: demo.url("indicateurs:quartier", fiche=demo.fiche.code, code=QUARTIER_AUDITE)
    ),
    # Its form (a target per school year) shows only to those who steer the contract.
    "indicateurs:definition": Page(lambda demo: demo.indicateur.get_absolute_url(), formulaire=True),
    "indicateurs:valeurs": Page(lambda demo: reverse("indicateurs:valeurs"), formulaire=True),
    "indicateurs:modifier_valeur": Page(
        lambda demo: demo.url("indicateurs:modifier_valeur", pk=demo.valeur_externe.pk), formulaire=True
    ),
    # A confirmation: its POST deletes (or says why not), it has no field to fill.
    # The confirmation of a finished year's closing (no POST: it would close the year); the year the
    # demo closed says why it cannot be closed again.
    "indicateurs:cloturer": Page(
        lambda demo: demo.cloturer(AnneeScolaire.courante().precedente().precedente()),
        variantes=(("annee-cloturee", lambda demo: demo.cloturer(AnneeScolaire.courante().precedente())),),
    ),
    "indicateurs:supprimer_valeur": Page(
        lambda demo: demo.url("indicateurs:supprimer_valeur", pk=demo.valeur_externe.pk)
    ),
    "actions:liste": Page(
        lambda demo: reverse("actions:liste"),
        # Filtered, then a year that is not offered: the filter form shows its error.
        variantes=("?statut=en_cours&archivees=on", "?annee=1900-1901"),
    ),
    "actions:nouvelle": Page(lambda demo: reverse("actions:nouvelle"), formulaire=True),
    "actions:detail": Page(lambda demo: demo.action.get_absolute_url()),
    "actions:modifier": Page(lambda demo: demo.url("actions:modifier", pk=demo.action.pk), formulaire=True),
    # The demo action has presences: its deletion page says why it cannot be deleted.
    "actions:annuler": Page(lambda demo: demo.url("actions:annuler", pk=demo.action.pk), formulaire=True),
    "actions:supprimer": Page(lambda demo: demo.url("actions:supprimer", pk=demo.action.pk)),
    "actions:ajouter_financement": Page(
        lambda demo: demo.url("actions:ajouter_financement", pk=demo.action.pk), formulaire=True
    ),
    "actions:modifier_financement": Page(
        lambda demo: demo.url("actions:modifier_financement", pk=demo.action.financements.order_by("pk").first().pk),
        formulaire=True,
    ),
    # A confirmation: its POST deletes, it has no error to show.
    "actions:supprimer_financement": Page(
        lambda demo: demo.url("actions:supprimer_financement", pk=demo.action.financements.order_by("pk").first().pk)
    ),
    "actions:ajouter_seance": Page(lambda demo: demo.url("actions:ajouter_seance", pk=demo.action.pk), formulaire=True),
    "actions:serie_seances": Page(lambda demo: demo.url("actions:serie_seances", pk=demo.action.pk), formulaire=True),
    "actions:modifier_seance": Page(
        lambda demo: demo.url("actions:modifier_seance", pk=demo.seance.pk), formulaire=True
    ),
    "actions:annuler_seance": Page(lambda demo: demo.url("actions:annuler_seance", pk=demo.seance.pk), formulaire=True),
    # A confirmation: its POST deletes (or says why not), it has no field.
    "actions:supprimer_seance": Page(lambda demo: demo.url("actions:supprimer_seance", pk=demo.seance.pk)),
    "actions:presences": Page(
        lambda demo: demo.url("actions:presences", pk=demo.seance.pk),
        formulaire=True,
        # A session of the closed year: the closure is said instead of the grid.
        variantes=(("annee-cloturee", lambda demo: demo.url("actions:presences", pk=demo.seance_cloturee)),),
    ),
    # The month by default (the current one, or the last with sessions), then the audited
    # session's, and a month that cannot be read (the default one is shown).
    "actions:presences_du_mois": Page(
        lambda demo: demo.url("actions:presences_du_mois", pk=demo.action.pk),
        formulaire=True,
        variantes=(
            (
                "mois-de-la-seance",
                lambda demo: (
                    f"{demo.url('actions:presences_du_mois', pk=demo.action.pk)}?mois={demo.seance.date:%Y-%m}"
                ),
            ),
            "?mois=2025-13",
        ),
    ),
    "actions:inscriptions": Page(
        lambda demo: demo.url("actions:inscriptions", pk=demo.action.pk),
        formulaire=True,
        # The children found by a filter, then a level that does not exist: the filter shows its error.
        variantes=("?niveau=CM1&quartier=null", "?niveau=XX"),
    ),
    # The questionnaire's pages, the structure's animateurs' only: the children's list, the grid
    # and the sheets of paper answers, a child's tablet and its thanks (the way back, behind the
    # animateur's password).
    "actions:questionnaires": Page(lambda demo: demo.questionnaire("actions:questionnaires")),
    "actions:grille_questionnaires": Page(
        lambda demo: demo.questionnaire("actions:grille_questionnaires", moment="entree"), formulaire=True
    ),
    "actions:feuilles_questionnaire": Page(
        lambda demo: demo.questionnaire("actions:feuilles_questionnaire", moment="entree")
    ),
    "actions:questionnaire_tablette": Page(
        lambda demo: demo.questionnaire(
            "actions:questionnaire_tablette", moment="entree", enfant=demo.enfant_questionnaire.pk
        ),
        formulaire=True,
    ),
    "actions:questionnaire_merci": Page(
        lambda demo: demo.questionnaire("actions:questionnaire_merci"), formulaire=True
    ),
    "actions:participants": Page(
        lambda demo: reverse("actions:participants"), variantes=("?code=e&niveau=6E", "?etablissement=abc")
    ),
    "actions:nouveau_participant": Page(lambda demo: reverse("actions:nouveau_participant"), formulaire=True),
    "actions:participant": Page(lambda demo: demo.participant.get_absolute_url()),
    "actions:modifier_participant": Page(
        lambda demo: demo.url("actions:modifier_participant", pk=demo.participant.pk), formulaire=True
    ),
    "dossiers:campagnes": _simple("dossiers:campagnes"),
    "dossiers:campagne": Page(lambda demo: demo.campagne.get_absolute_url()),
    "dossiers:nouvelle_campagne": Page(lambda demo: reverse("dossiers:nouvelle_campagne"), formulaire=True),
    "dossiers:modifier_campagne": Page(
        lambda demo: demo.url("dossiers:modifier_campagne", pk=demo.campagne.pk), formulaire=True
    ),
    "dossiers:nouveau": Page(lambda demo: demo.url("dossiers:nouveau", campagne=demo.campagne.pk), formulaire=True),
    "dossiers:liste": Page(
        lambda demo: reverse("dossiers:liste"),
        # Filtered, then a state that does not exist: the filter form shows its error.
        variantes=("?etat=en_instruction", "?etat=inconnu"),
    ),
    # In instruction: the officer decides, the CAF gives its avis, the porteur follows; the
    # porteur's draft says what it lacks, and a settled dossier links to its action.
    "dossiers:detail": Page(
        lambda demo: demo.dossier(EtatDossier.EN_INSTRUCTION).get_absolute_url(),
        formulaire=True,
        variantes=(
            ("brouillon", lambda demo: demo.dossier(EtatDossier.BROUILLON).get_absolute_url()),
            ("solde", lambda demo: demo.dossier(EtatDossier.SOLDE).get_absolute_url()),
        ),
    ),
    "dossiers:modifier": Page(
        lambda demo: demo.url("dossiers:modifier", pk=demo.dossier(EtatDossier.BROUILLON).pk), formulaire=True
    ),
    # A deposited bilan as the officer reads it, and the porteur's bilan still to be written
    # (it says what is missing).
    "dossiers:bilan": Page(
        lambda demo: demo.url("dossiers:bilan", pk=demo.dossier(EtatDossier.BILAN_DEPOSE).pk),
        variantes=(("en-cours", lambda demo: demo.url("dossiers:bilan", pk=demo.dossier(EtatDossier.EN_COURS).pk)),),
    ),
    "dossiers:modifier_bilan": Page(
        lambda demo: demo.url("dossiers:modifier_bilan", pk=demo.dossier(EtatDossier.EN_COURS).pk), formulaire=True
    ),
    # The current year (its campaign against the grants), the closed year before it (figures
    # marked final), and a year that cannot be read (the current one is shown).
    "dossiers:financements": Page(
        lambda demo: reverse("dossiers:financements"),
        variantes=(
            (
                "annee-cloturee",
                lambda demo: f"{reverse('dossiers:financements')}?annee={AnneeScolaire.courante().precedente()}",
            ),
            "?annee=2025-2027",
        ),
    ),
    # The upload (its emptied POST shows the errors next to the fields), the preview of a month
    # with a row in error, the history.
    "imports:importer": Page(lambda demo: reverse("imports:importer"), formulaire=True),
    "imports:apercu": Page(lambda demo: demo.import_tableur.get_absolute_url()),
    "imports:historique": _simple("imports:historique"),
}


@dataclass(frozen=True)
class SansPage:
    """A pattern that serves no HTML page of its own; the audit checks that it still answers so."""

    chemin: object
    statut: int
    type_de_contenu: str
    raison: str


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SANS_PAGE = {
    "deconnexion": SansPage(lambda demo: reverse("deconnexion"), 405, "", "POST seulement, puis redirige"),
    "actions:archiver": SansPage(
        lambda demo: demo.url("actions:archiver", pk=demo.action.pk), 405, "", "POST seulement, puis redirige"
    ),
    "actions:retablir_seance": SansPage(
        lambda demo: demo.url("actions:retablir_seance", pk=demo.seance.pk), 405, "", "POST seulement, puis redirige"
    ),
    "indicateurs:export_csv": SansPage(
        lambda demo: f"{reverse('indicateurs:export_csv')}?fiche={demo.fiche.code}",
        200,
        "text/csv",
        "export du tableau de bord d’une fiche",
    ),
    "indicateurs:export_xlsx": SansPage(
        lambda demo: f"{reverse('indicateurs:export_xlsx')}?fiche={demo.fiche.code}",
        200,
        XLSX,
        "export du tableau de bord d’une fiche",
    ),
    "indicateurs:rapport": SansPage(
        lambda demo: (
            f"{demo.url('indicateurs:rapport', annee=AnneeScolaire.courante().libelle)}?fiche={demo.fiche.code}"
        ),
        200,
        "application/pdf",
        "rapport annuel d’une fiche en PDF, pour le comité de pilotage",
    ),
    "actions:exporter_participant": SansPage(
        lambda demo: demo.url("actions:exporter_participant", pk=demo.participant.pk),
        200,
        "application/json",
        "export des données d’un enfant",
    ),
    "dossiers:financements_csv": SansPage(
        lambda demo: reverse("dossiers:financements_csv"), 200, "text/csv", "export des financements de l’année"
    ),
    "dossiers:financements_xlsx": SansPage(
        lambda demo: reverse("dossiers:financements_xlsx"), 200, XLSX, "export des financements de l’année"
    ),
    # The lists' exports (actions.exports): XLSX by default, CSV with format=csv.
    "actions:export_actions": SansPage(
        lambda demo: f"{reverse('actions:export_actions')}?statut=en_cours", 200, XLSX, "export des actions filtrées"
    ),
    "actions:export_financements": SansPage(
        lambda demo: f"{reverse('actions:export_financements')}?format=csv", 200, "text/csv", "export des financements"
    ),
    "actions:export_seances": SansPage(
        lambda demo: reverse("actions:export_seances"), 200, XLSX, "export des séances des actions filtrées"
    ),
    "actions:export_seances_action": SansPage(
        lambda demo: demo.url("actions:export_seances_action", pk=demo.action.pk),
        200,
        XLSX,
        "export des séances d’une action",
    ),
    "actions:export_presences": SansPage(
        lambda demo: f"{demo.url('actions:export_presences', pk=demo.action.pk)}?mois={demo.seance.date:%Y-%m}",
        200,
        XLSX,
        "export des présences d’un mois d’une action",
    ),
    "actions:export_participants": SansPage(
        lambda demo: f"{reverse('actions:export_participants')}?niveau=CM1",
        200,
        XLSX,
        "export des enfants (chefs de projet)",
    ),
    "sante": SansPage(lambda demo: reverse("sante"), 200, "application/json", "JSON pour la supervision"),
    "imports:modele": SansPage(
        lambda demo: demo.url("imports:modele", nature="presences"), 200, XLSX, "modèle à remplir d’un import"
    ),
    "imports:confirmer": SansPage(
        lambda demo: demo.url("imports:confirmer", pk=demo.import_tableur.pk), 405, "", "POST seulement, puis redirige"
    ),
    "imports:actualiser": SansPage(
        lambda demo: demo.url("imports:actualiser", pk=demo.import_tableur.pk), 405, "", "POST seulement, puis redirige"
    ),
}
# The read-only API (api/): JSON, checked against its own schema by schemathesis (api/tests).
CONTRAT_DE_L_API = {"contrat": "contrat-de-ville"}
SANS_PAGE |= {
    f"api:{nom}": SansPage(
        lambda demo, nom=nom, kwargs=kwargs: demo.url(f"api:{nom}", **CONTRAT_DE_L_API, **kwargs),
        200,
        "application/json",
        f"API en lecture seule ({raison}), JSON",
    )
    for nom, kwargs, raison in [
        ("contrat", {}, "structure du contrat"),
        ("annees", {}, "années scolaires"),
        ("fiches", {}, "fiches"),
        ("fiche", {"fiche": "1.2.3"}, "une fiche"),
        ("indicateurs", {}, "définitions des indicateurs"),
        ("quartiers", {}, "quartiers"),
        ("valeurs", {}, "valeurs des indicateurs"),
    ]
} | {
    "api:schema": SansPage(
        lambda demo: reverse("api:schema"), 200, "application/vnd.oai.openapi", "schéma OpenAPI 3 de l’API"
    ),
    # Swagger UI, drawn by its own script from the schema: a third party's interface, whose
    # accessibility is not ours to fix; served from our static files under the app's CSP.
    "api:documentation": SansPage(
        lambda demo: reverse("api:documentation"), 200, "text/html", "documentation de l’API (Swagger UI, tierce)"
    ),
}

ADMIN_AUDITE = {
    "admin:index": lambda demo: reverse("admin:index"),
    "admin:fiches_fiche_changelist": lambda demo: reverse("admin:fiches_fiche_changelist"),
    "admin:fiches_fiche_change": lambda demo: reverse("admin:fiches_fiche_change", args=[demo.fiche.pk]),
}
NAMESPACES_EXCLUS = {
    "admin": "l’administration est celle de Django : seules les pages d’ADMIN_AUDITE sont auditées, par demo-admin",
}


def motifs_a_auditer():
    """Full names of the patterns to audit, and the routes of unnamed patterns outside the excluded
    namespaces (Django's admin has unnamed ones of its own; ours must all be named)."""
    noms, sans_nom = set(), []
    for namespace, nom, route in motifs_nommes():
        if namespace.split(":")[0] in NAMESPACES_EXCLUS:
            nom_complet = f"{namespace}:{nom}"
            if nom_complet in ADMIN_AUDITE:
                noms.add(nom_complet)
        elif nom is None:
            sans_nom.append(route)
        else:
            noms.add(f"{namespace}:{nom}" if namespace else nom)
    return noms, sans_nom
