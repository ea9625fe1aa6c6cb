"""The pages of the actions app, seen through the browser: lists and filters, the action page and
its figures, the forms that write actions, funding, sessions, attendance, enrolments and children,
and the number of queries each page costs as the data grows.

The views work in the first contract by pk, so every test builds its data in the contract of the
first action it creates (see `voisine`)."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.shortcuts import resolve_url
from django.utils import timezone

from fiches.annees import AnneeScolaire
from fiches.models import Thematique
from fiches.tests.factories import FicheFactory, QuartierFactory, RealisationAttendueFactory
from fiches.tests.test_pages import REQUETES_DE_SESSION
from partenaires.tests.factories import (
    DispositifFactory,
    EtablissementFactory,
    PartenaireFactory,
    SourceFinancementFactory,
    StructureFactory,
    TypeStructureFactory,
)

from .. import services
from ..enums import NiveauScolaire, Sexe, StatutAction
from ..models import Action, Financement, Inscription, Participant, Seance
from ..selectors import ALPHABET_CODE
from .factories import (
    ActionFactory,
    FinancementFactory,
    InscriptionFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
    action_avec_enfants,
)

pytestmark = pytest.mark.django_db

LISTE = "/actions/"
NOUVELLE = "/actions/nouvelle/"
PARTICIPANTS = "/participants/"
NOUVEAU_PARTICIPANT = "/participants/nouveau/"
MERCREDI = 2

# Captions of the tables, to find each one in a page.
TABLE_ACTIONS = "Actions correspondant aux filtres"
TABLE_SEANCES = "Séances de l’action"
TABLE_ENFANTS = "Assiduité de chaque enfant"
TABLE_FINANCEMENTS = "Financements de l’action"
TABLE_HISTORIQUE = "Dernières modifications"
TABLE_PRESENCES = "Une ligne par enfant inscrit"
TABLE_SUIVIES = "Actions auxquelles l’enfant est inscrit"
TABLE_SAUTEES = "Dates sautées"

# Queries of each page beyond the session and the user (pinned: a change must be deliberate).
REQUETES_LISTE = REQUETES_DE_SESSION + 8
# The action's page and the grid read the closures of their school years (one query each); a grid
# saved reads it too, then the service locks the contract and reads them again (fiches.clotures).
REQUETES_DETAIL = REQUETES_DE_SESSION + 14
REQUETES_GRILLE = REQUETES_DE_SESSION + 4
# +2 since the children's levels of each year are read and their arrivals per day added to; +7
# since new headcounts rewrite the day's sums of the session in each perimeter; +1 since the
# arrivals are also summed per perimeter; -1 since the consent is read with the enrolments; +1
# since the children's past years keep the éducation prioritaire they were counted with.
REQUETES_ENREGISTRER_GRILLE = REQUETES_DE_SESSION + 38
REQUETES_PARTICIPANTS = REQUETES_DE_SESSION + 4


# --- Building data in the current contract -------------------------------------------------------


def contrat(action):
    return action.porteur.contrat


def voisine(action, **kwargs):
    """Another action of the same contract, fiche and porteur unless told otherwise."""
    kwargs.setdefault("realisation", action.realisation)
    kwargs.setdefault("porteur", action.porteur)
    return ActionFactory(**kwargs)


def thematique(libelle):
    return Thematique.objects.create(code=libelle.lower(), libelle=libelle)


def inscrire(action, nombre, **kwargs):
    return [InscriptionFactory(action=action, **kwargs).participant for _ in range(nombre)]


def presents(seance):
    return set(seance.presences.values_list("participant_id", flat=True))


def url_detail(action):
    return f"/actions/{action.pk}/"


def url_presences(seance):
    return f"/actions/seances/{seance.pk}/presences/"


# --- Posting forms ---------------------------------------------------------------------------------


def donnees_action(base, **modifications):
    """What the new-action form posts, in the contract of `base`."""
    if "thematiques" not in modifications:
        modifications["thematiques"] = [thematique("Lecture").pk]
    return {
        "titre": "Club lecture",
        "description": "Lecture à voix haute le mercredi.",
        "realisation": base.realisation.pk,
        "porteur": base.porteur.pk,
        "quartiers": [q.pk for q in base.quartiers.all()],
        "niveaux": ["CP", "CE1"],
        "date_debut": "15/09/2025",
        "date_fin": "30/06/2026",
        "statut": StatutAction.PREVUE,
        **modifications,
    }


def donnees_financement(source, **modifications):
    return {
        "source": source.pk,
        "annee": 2025,
        "montant_demande": "5000",
        "montant_accorde": "4000",
        "montant_verse": "1500.50",
        **modifications,
    }


def ajouter_financement(client, action, donnees):
    return client.post(f"/actions/{action.pk}/financements/ajouter/", donnees)


def donnees_seance(**modifications):
    return {
        "date": "08/10/2025",
        "duree_minutes": 90,
        "adultes_presents": 2,
        "enfants_anonymes": 0,
        "parents_presents": 0,
        **modifications,
    }


def ajouter_seance(client, action, **modifications):
    return client.post(f"/actions/{action.pk}/seances/ajouter/", donnees_seance(**modifications))


def inscrire_par_la_page(client, action, enfants, date_inscription="01/10/2025"):
    return client.post(
        f"/actions/{action.pk}/inscriptions/",
        {"participants": [enfant.pk for enfant in enfants], "date_inscription": date_inscription},
    )


def donnees_serie(**modifications):
    return {
        "date_debut": "01/10/2025",
        "date_fin": "31/10/2025",
        "jours": [MERCREDI],
        "duree_minutes": 90,
        **modifications,
    }


def creer_serie(client, action, **modifications):
    return client.post(f"/actions/{action.pk}/seances/serie/", donnees_serie(**modifications))


def chargement(seance):
    """What the grid page carries hidden when loaded now: the children it shows ticked, and the
    session's version."""
    return {
        "presents_au_chargement": ",".join(str(pk) for pk in sorted(presents(seance))),
        "version": Seance.objects.values_list("version", flat=True).get(pk=seance.pk),
    }


def saisir(client, seance, enfants, enfants_anonymes=0, parents_presents=0, charge=None):
    """Post the attendance grid with `enfants` ticked, as loaded just before (or `charge`)."""
    return client.post(
        url_presences(seance),
        {
            "presents": [enfant.pk for enfant in enfants],
            "enfants_anonymes": enfants_anonymes,
            "parents_presents": parents_presents,
            **(charge or chargement(seance)),
        },
    )


def donnees_enfant(structure, **modifications):
    """A girl in CM1, born the year that makes CM1 her level in the current school year."""
    return {
        "structure": structure.pk,
        "sexe": Sexe.FILLE,
        "annee_naissance": AnneeScolaire.courante().annee_de_rentree - 9,
        "niveau_scolaire": NiveauScolaire.CM1,
        "date_consentement": "01/09/2025",
        **modifications,
    }


# --- Reading pages ---------------------------------------------------------------------------------


def html_de(reponse):
    return reponse.content.decode()


def lignes(html, legende):
    """The body rows (raw HTML) of the table whose caption starts with `legende`."""
    table = re.search(rf"<caption[^>]*>{re.escape(legende)}.*?</table>", html, re.DOTALL)
    assert table, f"no table captioned {legende!r}"
    corps = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.DOTALL).group(1)
    return re.findall(r"<tr>(.*?)</tr>", corps, re.DOTALL)


def cellules(ligne):
    """Text of each cell, tags stripped; no-break spaces are kept (they are part of the format)."""
    return [
        re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", "", cellule))).strip()
        for cellule in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", ligne, re.DOTALL)
    ]


def ligne(html, legende, cle):
    """The cells of the one row whose first cell holds `cle` as a whole word."""
    trouvees = [
        cellules(brute)
        for brute in lignes(html, legende)
        if re.search(rf"(^|\s){re.escape(cle)}(\s|$)", cellules(brute)[0])
    ]
    assert len(trouvees) == 1, f"{len(trouvees)} rows for {cle!r} in {legende!r}"
    return trouvees[0]


def badges(html, titre):
    brute = next(b for b in lignes(html, TABLE_ACTIONS) if f">{titre}</a>" in b)
    return set(re.findall(r'<span class="badge[^"]*">([^<]+)</span>', brute))


def titres_listes(client, **parametres):
    reponse = client.get(LISTE, parametres)
    assert reponse.status_code == 200
    return {action.titre for action in reponse.context["page"]}


def erreurs(reponse, champ):
    assert reponse.status_code == 200, "the form was accepted"
    return reponse.context["form"].errors.get(champ, [])


def assert_requetes_constantes(django_assert_num_queries, nombre, requete, grossir):
    """The page costs `nombre` queries, and still does once `grossir` has multiplied its data."""
    with django_assert_num_queries(nombre):
        avant = requete()
    grossir()
    with django_assert_num_queries(nombre):
        apres = requete()
    assert avant.status_code == apres.status_code == 200
    return avant, apres


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LISTE, NOUVELLE, PARTICIPANTS, NOUVEAU_PARTICIPANT])
def test_pages_ask_an_anonymous_visitor_to_sign_in(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 302 and reponse.url == f"{resolve_url('connexion')}?next={url}"


# --- Actions list: filters -------------------------------------------------------------------------

FILTRES = []


def filtre(preparer):
    """Register a case: `preparer(cible, autre)` makes only `cible` match and returns the query."""
    FILTRES.append(pytest.param(preparer, id=preparer.__name__))
    return preparer


@filtre
def par_texte_du_titre(cible, autre):
    Action.objects.filter(pk=cible.pk).update(titre="Atelier lecture")
    return {"q": "LECTURE"}


@filtre
def par_texte_de_la_description(cible, autre):
    Action.objects.filter(pk=cible.pk).update(description="À la médiathèque du quartier.")
    return {"q": "médiathèque"}


@filtre
def par_annee_scolaire(cible, autre):
    Action.objects.filter(pk=autre.pk).update(date_debut=datetime.date(2024, 9, 2), date_fin=datetime.date(2025, 7, 4))
    return {"annee": "2025-2026"}


@filtre
def par_quartier(cible, autre):
    return {"quartier": cible.quartiers.get().pk}


@filtre
def par_realisation(cible, autre):
    Action.objects.filter(pk=autre.pk).update(realisation=RealisationAttendueFactory(fiche=cible.realisation.fiche))
    return {"realisation": cible.realisation.pk}


@filtre
def par_thematique(cible, autre):
    sport, culture = thematique("Sport"), thematique("Culture")
    cible.thematiques.add(sport)
    autre.thematiques.add(culture)
    return {"thematique": sport.pk}


@filtre
def par_porteur(cible, autre):
    Action.objects.filter(pk=autre.pk).update(porteur=StructureFactory(contrat=contrat(cible)))
    return {"porteur": cible.porteur.pk}


@filtre
def par_statut(cible, autre):
    Action.objects.filter(pk=autre.pk).update(statut=StatutAction.ANNULEE)
    return {"statut": StatutAction.EN_COURS}


@pytest.mark.parametrize("preparer", FILTRES)
def test_each_filter_narrows_the_action_list(client_connecte, preparer):
    cible = ActionFactory()
    autre = voisine(cible)
    parametres = preparer(cible, autre)
    cible.refresh_from_db()
    autre.refresh_from_db()
    assert titres_listes(client_connecte) == {cible.titre, autre.titre}
    assert titres_listes(client_connecte, **parametres) == {cible.titre}


@pytest.mark.parametrize(
    ("debut", "fin", "comptee"),
    [
        pytest.param((2025, 6, 1), (2025, 8, 31), False, id="ends-on-31-august-before"),
        pytest.param((2025, 6, 1), (2025, 9, 1), True, id="ends-on-1-september"),
        pytest.param((2026, 8, 31), (2026, 12, 1), True, id="starts-on-31-august"),
        pytest.param((2026, 9, 1), (2026, 12, 1), False, id="starts-on-1-september-after"),
        pytest.param((2024, 9, 1), (2027, 6, 30), True, id="spans-the-whole-year"),
    ],
)
def test_school_year_filter_counts_actions_whose_dates_overlap_it(client_connecte, debut, fin, comptee):
    action = ActionFactory(date_debut=datetime.date(*debut), date_fin=datetime.date(*fin))
    attendu = {action.titre} if comptee else set()
    assert titres_listes(client_connecte, annee="2025-2026") == attendu


def test_archived_actions_are_hidden_unless_asked_for(client_connecte):
    active = ActionFactory()
    archivee = voisine(active, archivee=True)
    assert titres_listes(client_connecte) == {active.titre}
    assert titres_listes(client_connecte, archivees="on") == {active.titre, archivee.titre}
    html = html_de(client_connecte.get(LISTE, {"archivees": "on"}))
    assert badges(html, archivee.titre) == {"Archivée"}


def test_list_shows_the_number_of_sessions_and_enrolled_children(client_connecte):
    action, _, _ = action_avec_enfants(3)
    SeanceFactory(action=action, date=datetime.date(2025, 10, 8))
    cases = ligne(html_de(client_connecte.get(LISTE)), TABLE_ACTIONS, action.titre)
    assert cases[-2:] == ["2", "3"]


def test_list_is_paginated_by_25_and_keeps_the_filters_across_pages(client_connecte):
    premiere = ActionFactory()
    for _ in range(29):
        voisine(premiere)
    page_1 = client_connecte.get(LISTE, {"q": "Action"})
    page_2 = client_connecte.get(LISTE, {"q": "Action", "page": 2})
    assert len(page_1.context["page"]) == 25
    assert len(page_2.context["page"]) == 5
    assert "30 actions" in html_de(page_1)
    assert "Page 2 sur 2" in html_de(page_2)
    assert 'href="?q=Action&amp;page=2"' in html_de(page_1)
    assert {a.pk for a in page_1.context["page"]}.isdisjoint(a.pk for a in page_2.context["page"])


def _action_simple(base):
    return voisine(base)


def _action_croisee(base):
    return voisine(base, croisee=True)


def _action_publique_parents(base):
    return voisine(base, public_parents=True)


def _action_avec_parents_en_seance(base):
    action = voisine(base)
    SeanceFactory(action=action, parents_presents=2)
    return action


def _action_d_ecole_seule(base):
    return voisine(base, porteur=StructureFactory(contrat=contrat(base), type=TypeStructureFactory(scolaire=True)))


def _action_d_ecole_avec_partenaire(base):
    return voisine(
        base,
        porteur=StructureFactory(contrat=contrat(base), type=TypeStructureFactory(scolaire=True)),
        partenaires=[PartenaireFactory(contrat=contrat(base))],
    )


@pytest.mark.parametrize(
    ("construire", "attendus"),
    [
        pytest.param(_action_simple, set(), id="plain"),
        pytest.param(_action_croisee, {"Intervention croisée"}, id="held-in-a-school"),
        pytest.param(_action_d_ecole_seule, set(), id="school-porteur-alone"),
        pytest.param(_action_d_ecole_avec_partenaire, {"Intervention croisée"}, id="school-porteur-and-partner"),
        pytest.param(_action_publique_parents, {"Parents"}, id="public-parents"),
        pytest.param(_action_avec_parents_en_seance, {"Parents"}, id="parents-came-to-a-session"),
    ],
)
def test_list_badges_show_the_derived_flags(client_connecte, construire, attendus):
    base = ActionFactory()
    action = construire(base)
    html = html_de(client_connecte.get(LISTE))
    assert badges(html, action.titre) == attendus
    assert badges(html, base.titre) == set()


def test_list_query_count_holds_from_3_to_30_actions(client_connecte, django_assert_num_queries):
    premiere = ActionFactory(croisee=True)

    def grossir():
        for _ in range(27):
            action = voisine(premiere, croisee=True, public_parents=True)
            action.thematiques.add(thematique(f"Thème {action.pk}"))
            SeanceFactory(action=action)
            InscriptionFactory(action=action)

    for _ in range(2):
        voisine(premiere)
    _, apres = assert_requetes_constantes(
        django_assert_num_queries, REQUETES_LISTE, lambda: client_connecte.get(LISTE), grossir
    )
    assert len(lignes(html_de(apres), TABLE_ACTIONS)) == 25


# --- Action page -----------------------------------------------------------------------------------


@pytest.fixture
def action_suivie():
    """Three children, two past sessions; the third child enrolled between them."""
    action, premiere, (a, b) = action_avec_enfants(2)
    c = InscriptionFactory(action=action, date_inscription=datetime.date(2025, 10, 5)).participant
    services.seance_enregistrer(action=action, seance=premiere, donnees={"parents_presents": 2})
    seconde = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), parents_presents=3)
    for seance, venus in [(premiere, [a, b]), (seconde, [a, c])]:
        for enfant in venus:
            PresenceFactory(seance=seance, participant=enfant)
    return action, (a, b, c)


def test_action_page_shows_attendance_per_session_and_per_child(client_connecte, action_suivie):
    action, (a, b, c) = action_suivie
    html = html_de(client_connecte.get(url_detail(action)))
    assert ligne(html, TABLE_SEANCES, "01/10/2025")[3:5] == ["Saisie", "2 / 2"]
    assert ligne(html, TABLE_SEANCES, "08/10/2025")[3:5] == ["Saisie", "2 / 3"]
    assert [ligne(html, TABLE_ENFANTS, enfant.code)[3] for enfant in (a, b, c)] == ["2 / 2", "1 / 2", "1 / 1"]
    assert 'id="taux-assiduite">80,0\u00a0%</strong>' in html
    assert "Parents présents sur l’ensemble des séances (hors séances annulées) : <strong>5</strong>" in html
    assert 'id="seances-a-saisir"' not in html


def test_action_page_shows_funding_in_french_format_with_totals(client_connecte):
    action = ActionFactory()
    FinancementFactory(action=action, montant_demande=5000, montant_accorde=4000, montant_verse=2000)
    FinancementFactory(action=action, annee=2026, montant_demande=Decimal("1234.5"), montant_accorde=0, montant_verse=0)
    html = html_de(client_connecte.get(url_detail(action)))
    assert ligne(html, TABLE_FINANCEMENTS, "2025")[3:6] == [
        "5\u202f000,00\u00a0€",
        "4\u202f000,00\u00a0€",
        "2\u202f000,00\u00a0€",
    ]
    assert ligne(html, TABLE_FINANCEMENTS, "2026")[3:6] == ["1\u202f234,50\u00a0€", "0,00\u00a0€", "0,00\u00a0€"]
    total = re.search(r"<tfoot>(.*?)</tfoot>", html, re.DOTALL).group(1)
    assert cellules(total)[1:4] == ["6\u202f234,50\u00a0€", "4\u202f000,00\u00a0€", "2\u202f000,00\u00a0€"]


def test_action_page_history_names_who_made_each_change_through_the_views(client_connecte, utilisateur):
    utilisateur.first_name, utilisateur.last_name = "Camille", "Martin"
    utilisateur.save()
    base = ActionFactory()
    source = SourceFinancementFactory(contrat=contrat(base))
    enfant = ParticipantFactory(structure=base.porteur)
    action = Action.objects.get(pk=client_connecte.post(NOUVELLE, donnees_action(base)).url.split("/")[-2])
    ajouter_financement(client_connecte, action, donnees_financement(source))
    creer_serie(client_connecte, action, date_fin="01/10/2025")
    inscrire_par_la_page(client_connecte, action, [enfant], date_inscription="15/09/2025")
    saisir(client_connecte, action.seances.get(), [enfant])
    thematiques = list(action.thematiques.values_list("pk", flat=True))
    client_connecte.post(
        f"/actions/{action.pk}/modifier/",
        donnees_action(base, titre="Club lecture du mercredi", thematiques=thematiques, version=0),
    )
    html = html_de(client_connecte.get(url_detail(action)))
    historique = [cellules(brute)[1:] for brute in lignes(html, TABLE_HISTORIQUE)]
    for attendue in [
        ["Création", "Action", ""],
        ["Création", "Financement 2025", ""],
        ["Création", "Séance du 01/10/2025", ""],
        ["Création", f"Inscription de {enfant.code}", ""],
        ["Modification", "Séance du 01/10/2025", f"Présences – présent : {enfant.code}"],
        ["Modification", "Action", "titre"],
    ]:
        assert ["Camille Martin", *attendue] in historique
    assert historique[0] == ["Camille Martin", "Modification", "Action", "titre"]


def test_action_page_without_records_says_so(client_connecte):
    html = html_de(client_connecte.get(url_detail(ActionFactory())))
    for vide in ["Aucune séance pour l’instant.", "Aucun enfant inscrit.", "Aucun financement."]:
        assert vide in html
    assert 'id="taux-assiduite">–</strong>' in html


def test_unknown_action_answers_404(client_connecte):
    ActionFactory()
    assert client_connecte.get("/actions/999999/").status_code == 404


def garnir(action, fois):
    """`fois` times: three children, two sessions a week apart at a school with attendance, two
    funding lines."""
    for _ in range(fois):
        enfants = inscrire(action, 3)
        for _ in range(2):
            seance = SeanceFactory(
                action=action,
                date=datetime.date(2025, 10, 1) + datetime.timedelta(weeks=action.seances.count()),
                parents_presents=1,
                etablissement=EtablissementFactory(contrat=contrat(action)),
            )
            PresenceFactory(seance=seance, participant=enfants[0])
        for _ in range(2):
            FinancementFactory(action=action, financeur=PartenaireFactory(contrat=contrat(action)))


def test_action_page_query_count_holds_when_everything_grows_tenfold(client_connecte, django_assert_num_queries):
    action = ActionFactory(croisee=True)
    action.partenaires.add(PartenaireFactory(contrat=contrat(action)))
    action.thematiques.add(thematique("Lecture"))
    garnir(action, 1)
    _, apres = assert_requetes_constantes(
        django_assert_num_queries,
        REQUETES_DETAIL,
        lambda: client_connecte.get(url_detail(action)),
        lambda: garnir(action, 9),
    )
    html = html_de(apres)
    assert len(lignes(html, TABLE_SEANCES)) == 20
    assert len(lignes(html, TABLE_ENFANTS)) == 30
    assert len(lignes(html, TABLE_FINANCEMENTS)) == 20


# --- Creating, editing and archiving an action -----------------------------------------------------


def test_creating_an_action_saves_its_relations_and_opens_its_page(client_connecte, utilisateur):
    base = ActionFactory()
    autre_quartier = QuartierFactory(contrat=contrat(base))
    donnees = donnees_action(base, quartiers=[base.quartiers.get().pk, autre_quartier.pk])
    reponse = client_connecte.post(NOUVELLE, donnees)
    action = Action.objects.get(titre="Club lecture")
    assert reponse.status_code == 302 and reponse.url == url_detail(action)
    assert set(action.quartiers.all()) == {base.quartiers.get(), autre_quartier}
    assert [t.libelle for t in action.thematiques.all()] == ["Lecture"]
    assert action.niveaux == ["CP", "CE1"]
    assert action.cree_par == utilisateur
    assert "L’action « Club lecture » est enregistrée." in html_de(client_connecte.get(reponse.url))


def _fin_avant_debut(base):
    return (
        {"date_debut": "30/06/2026", "date_fin": "15/09/2025"},
        "date_fin",
        "La date de fin précède la date de début.",
    )


def _dispositif_d_une_autre_fiche(base):
    dispositif = DispositifFactory()
    FicheFactory(enjeu=base.realisation.fiche.enjeu).dispositifs.add(dispositif)
    return {"dispositif": dispositif.pk}, "dispositif", "Ce dispositif n’est pas parmi ceux que la fiche mobilise."


@pytest.mark.parametrize("erreur", [_fin_avant_debut, _dispositif_d_une_autre_fiche])
def test_a_wrong_action_is_refused_next_to_the_field_and_nothing_is_saved(client_connecte, erreur):
    base = ActionFactory()
    modifications, champ, message = erreur(base)
    reponse = client_connecte.post(NOUVELLE, donnees_action(base, **modifications))
    assert erreurs(reponse, champ) == [message]
    assert message in html_de(reponse)
    assert not Action.objects.filter(titre="Club lecture").exists()


@pytest.mark.parametrize(
    ("debut", "fin"), [("15/09/2025", "30/06/2026"), ("2025-09-15", "2026-06-30")], ids=["french", "iso"]
)
def test_action_dates_are_read_in_french_or_iso_format(client_connecte, debut, fin):
    base = ActionFactory()
    client_connecte.post(NOUVELLE, donnees_action(base, date_debut=debut, date_fin=fin))
    action = Action.objects.get(titre="Club lecture")
    assert (action.date_debut, action.date_fin) == (datetime.date(2025, 9, 15), datetime.date(2026, 6, 30))


def test_editing_an_action_keeps_its_history_with_the_user(client_connecte, utilisateur):
    action = ActionFactory()
    lecture = thematique("Lecture")
    action.thematiques.add(lecture)
    avant = action.history.count()
    donnees = donnees_action(action, titre="Nouveau titre", thematiques=[lecture.pk], version=0)
    reponse = client_connecte.post(f"/actions/{action.pk}/modifier/", donnees)
    assert reponse.url == url_detail(action)
    action.refresh_from_db()
    assert action.titre == "Nouveau titre"
    assert action.history.count() == avant + 1
    derniere = action.history.latest()
    assert (derniere.titre, derniere.history_user, derniere.history_type) == ("Nouveau titre", utilisateur, "~")
    assert "Modifications enregistrées." in html_de(client_connecte.get(reponse.url))


def test_archiving_is_a_post_that_can_be_undone(client_connecte, utilisateur):
    action = ActionFactory()
    url = f"/actions/{action.pk}/archiver/"
    assert client_connecte.get(url).status_code == 405
    action.refresh_from_db()
    assert not action.archivee
    assert client_connecte.post(url, {"archivee": "1"}).url == url_detail(action)
    action.refresh_from_db()
    assert action.archivee and action.history.latest().history_user == utilisateur
    client_connecte.post(url, {"archivee": "0"})
    action.refresh_from_db()
    assert not action.archivee


# --- Funding ---------------------------------------------------------------------------------------


@pytest.fixture
def action_et_source():
    action = ActionFactory()
    caf = PartenaireFactory(contrat=contrat(action), nom="CAF")
    return action, SourceFinancementFactory(contrat=contrat(action), financeur=caf)


def test_adding_funding_takes_the_funder_of_its_source_by_default(client_connecte, action_et_source):
    action, source = action_et_source
    reponse = ajouter_financement(client_connecte, action, donnees_financement(source))
    assert reponse.url == url_detail(action)
    financement = action.financements.get()
    assert (financement.financeur, financement.montant_verse) == (source.financeur, Decimal("1500.50"))


@pytest.mark.parametrize(
    ("modifications", "champ", "message"),
    [
        pytest.param(
            {"montant_verse": "4500"},
            "montant_verse",
            "Le montant versé dépasse le montant accordé : corrigez l’un des deux.",
            id="paid-above-granted",
        ),
        *[
            pytest.param(
                {champ: "-10"},
                champ,
                "Assurez-vous que cette valeur est supérieure ou égale à 0.",
                id=f"negative-{champ}",
            )
            for champ in ["montant_demande", "montant_accorde", "montant_verse"]
        ],
    ],
)
def test_inconsistent_funding_is_refused_and_nothing_is_saved(
    client_connecte, action_et_source, modifications, champ, message
):
    action, source = action_et_source
    reponse = ajouter_financement(client_connecte, action, donnees_financement(source, **modifications))
    assert message in erreurs(reponse, champ)
    assert not Financement.objects.exists()


@pytest.mark.parametrize(("verse", "accepte"), [("3999.99", True), ("4000.01", False)])
def test_editing_funding_keeps_paid_within_granted(client_connecte, verse, accepte):
    financement = FinancementFactory()
    reponse = client_connecte.post(
        f"/actions/financements/{financement.pk}/modifier/",
        donnees_financement(financement.source, montant_verse=verse),
    )
    financement.refresh_from_db()
    if accepte:
        assert reponse.url == url_detail(financement.action)
        assert financement.montant_verse == Decimal(verse)
    else:
        assert erreurs(reponse, "montant_verse")
        assert financement.montant_verse == 2000


def test_deleting_funding_asks_for_confirmation_first(client_connecte):
    financement = FinancementFactory()
    url = f"/actions/financements/{financement.pk}/supprimer/"
    confirmation = html_de(client_connecte.get(url))
    assert "Supprimer ce financement ?" in confirmation and "4\u202f000,00\u00a0€ accordés" in confirmation
    assert Financement.objects.filter(pk=financement.pk).exists()
    assert client_connecte.post(url).url == url_detail(financement.action)
    assert not Financement.objects.filter(pk=financement.pk).exists()


# --- Sessions --------------------------------------------------------------------------------------


def test_adding_a_session_announces_it(client_connecte):
    action = ActionFactory()
    reponse = ajouter_seance(client_connecte, action, heure_debut="14:30", lieu="Médiathèque")
    seance = action.seances.get()
    assert (seance.date, seance.heure_debut, seance.lieu) == (
        datetime.date(2025, 10, 8),
        datetime.time(14, 30),
        "Médiathèque",
    )
    assert seance.saisie_le is None, "a new session waits for its grid"
    html = html_de(client_connecte.get(reponse.url))
    assert "Séance du 08/10/2025 ajoutée." in html
    assert ligne(html, TABLE_SEANCES, "08/10/2025")[0] == "mer 08/10/2025 à 14 h 30"


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        pytest.param(
            {"date": "01/07/2026"},
            "date",
            "La séance doit avoir lieu pendant l’action, du 15/09/2025 au 30/06/2026.",
            id="after-the-action",
        ),
        pytest.param(
            {"date": "14/09/2025"},
            "date",
            "La séance doit avoir lieu pendant l’action, du 15/09/2025 au 30/06/2026.",
            id="before-the-action",
        ),
        pytest.param(
            {"duree_minutes": 0},
            "duree_minutes",
            "Assurez-vous que cette valeur est supérieure ou égale à 1.",
            id="no-duration",
        ),
    ],
)
def test_a_wrong_session_is_refused_and_nothing_is_saved(client_connecte, donnees, champ, message):
    action = ActionFactory()
    assert erreurs(ajouter_seance(client_connecte, action, **donnees), champ) == [message]
    assert not Seance.objects.exists()


def test_a_series_creates_a_session_on_each_chosen_weekday(client_connecte, utilisateur):
    action = ActionFactory()
    reponse = creer_serie(client_connecte, action)
    assert reponse.status_code == 200
    assert list(action.seances.values_list("date", flat=True)) == [
        datetime.date(2025, 10, j) for j in (1, 8, 15, 22, 29)
    ]
    assert {h.history_user for h in Seance.history.all()} == {utilisateur}
    html = html_de(reponse)
    assert "5 séances ajoutées à « Action" in html and "du 01/10/2025 au 29/10/2025" in html
    # The contract has no school holiday zone yet: the page says what was not skipped, and who sets it.
    assert "La zone de vacances scolaires du contrat n’est pas renseignée" in html
    assert "Un administrateur la choisit dans l’administration" in html
    assert f'href="{url_detail(action)}">Retour à l’action</a>' in html


def test_running_a_series_twice_creates_nothing_new_and_says_so(client_connecte):
    action = ActionFactory()
    creer_serie(client_connecte, action)
    reponse = creer_serie(client_connecte, action)
    assert erreurs(reponse, "jours") == ["Aucune nouvelle date : aucun de ces jours n’est libre entre ces deux dates."]
    assert action.seances.count() == 5


def test_a_series_skips_the_dates_that_already_have_a_session(client_connecte):
    action = ActionFactory()
    SeanceFactory(action=action, date=datetime.date(2025, 10, 15))
    html = html_de(creer_serie(client_connecte, action))
    assert "4 séances ajoutées" in html
    assert lignes_sautees(html) == [["mer 15/10/2025", "L’action a déjà une séance ce jour-là"]]
    assert action.seances.filter(date=datetime.date(2025, 10, 15)).count() == 1
    assert action.seances.count() == 5


def lignes_sautees(html):
    return [cellules(brute) for brute in lignes(html, TABLE_SAUTEES)]


def test_a_series_skips_public_and_school_holidays_of_the_contract_s_zone_and_says_why(client_connecte):
    action = ActionFactory()
    contrat(action).__class__.objects.filter(pk=contrat(action).pk).update(zone_scolaire="C")
    # Every Tuesday of the autumn term 2025: zone C's Toussaint holidays run from Saturday
    # 18/10 to Sunday 02/11, and 11/11 is Armistice day.
    reponse = creer_serie(client_connecte, action, date_debut="07/10/2025", date_fin="18/11/2025", jours=[1])
    html = html_de(reponse)
    assert list(action.seances.values_list("date", flat=True)) == [
        datetime.date(2025, 10, 7),
        datetime.date(2025, 10, 14),
        datetime.date(2025, 11, 4),
        datetime.date(2025, 11, 18),
    ]
    assert "4 séances ajoutées" in html and "n’est pas renseignée" not in html
    assert lignes_sautees(html) == [
        ["mar 21/10/2025", "Vacances de la Toussaint (zone C)"],
        ["mar 28/10/2025", "Vacances de la Toussaint (zone C)"],
        ["mar 11/11/2025", "Armistice (jour férié)"],
    ]


def test_a_series_without_a_zone_skips_public_holidays_only(client_connecte):
    action = ActionFactory()
    creer_serie(client_connecte, action, date_debut="07/10/2025", date_fin="18/11/2025", jours=[1])
    assert action.seances.count() == 6
    assert not action.seances.filter(date=datetime.date(2025, 11, 11)).exists()


def test_the_series_form_says_what_it_skips(client_connecte):
    action = ActionFactory()
    url = f"/actions/{action.pk}/seances/serie/"
    assert "la zone de vacances du contrat n’est pas renseignée" in html_de(client_connecte.get(url))
    contrat(action).__class__.objects.filter(pk=contrat(action).pk).update(zone_scolaire="B")
    assert "les vacances scolaires de la zone B" in html_de(client_connecte.get(url))


@pytest.mark.parametrize(
    ("modifications", "champ", "message"),
    [
        pytest.param(
            {"date_debut": "01/09/2025"},
            "date_debut",
            "La série doit tenir dans les dates de l’action, du 15/09/2025 au 30/06/2026.",
            id="starts-before-the-action",
        ),
        pytest.param(
            {"date_fin": "01/07/2026"},
            "date_debut",
            "La série doit tenir dans les dates de l’action, du 15/09/2025 au 30/06/2026.",
            id="ends-after-the-action",
        ),
        pytest.param(
            {"date_debut": "31/10/2025", "date_fin": "01/10/2025"},
            "date_fin",
            "La date de fin précède la date de début.",
            id="end-before-start",
        ),
        pytest.param(
            {"date_debut": "15/09/2025", "date_fin": "30/06/2026", "jours": list(range(7))},
            "date_fin",
            # 289 days, less the 9 public holidays of that school year.
            "Cette série compterait 280 séances : 200 au plus à la fois.",
            id="too-many-sessions",
        ),
        pytest.param({"jours": []}, "jours", "Cochez au moins un jour de la semaine.", id="no-weekday"),
    ],
)
def test_a_wrong_series_is_refused_and_creates_nothing(client_connecte, modifications, champ, message):
    action = ActionFactory()
    assert erreurs(creer_serie(client_connecte, action, **modifications), champ) == [message]
    assert not Seance.objects.exists()


def test_editing_a_session_keeps_it_within_the_action(client_connecte):
    seance = SeanceFactory()
    url = f"/actions/seances/{seance.pk}/modifier/"
    reponse = client_connecte.post(url, donnees_seance(date="01/07/2026", version=0))
    assert erreurs(reponse, "date") == ["La séance doit avoir lieu pendant l’action, du 15/09/2025 au 30/06/2026."]
    assert client_connecte.post(url, donnees_seance(lieu="Gymnase", version=0)).url == url_detail(seance.action)
    seance.refresh_from_db()
    assert (seance.date, seance.lieu) == (datetime.date(2025, 10, 8), "Gymnase")


# --- Attendance grid -------------------------------------------------------------------------------


def test_grid_lists_the_children_enrolled_by_the_session_date_with_a_checkbox(client_connecte):
    action, seance, enfants = action_avec_enfants(3)
    tardif = inscrire(action, 1, date_inscription=datetime.date(2025, 10, 2))[0]
    non_inscrit = ParticipantFactory(structure=action.porteur)
    PresenceFactory(seance=seance, participant=enfants[0])
    html = html_de(client_connecte.get(url_presences(seance)))
    assert sorted(cellules(b)[1] for b in lignes(html, TABLE_PRESENCES)) == sorted(e.code for e in enfants)
    for enfant in enfants:
        assert f'name="presents" value="{enfant.pk}" id="present-{enfant.pk}"' in html
    assert f'id="present-{enfants[0].pk}" checked>' in html
    assert f'id="present-{enfants[1].pk}">' in html
    assert tardif.code not in html and non_inscrit.code not in html


def test_saving_the_grid_records_attendance_and_counts(client_connecte):
    action, seance, (a, b, c) = action_avec_enfants(3)
    reponse = saisir(client_connecte, seance, [a, b], enfants_anonymes=4, parents_presents=2)
    assert reponse.url == url_detail(action)
    seance.refresh_from_db()
    assert presents(seance) == {a.pk, b.pk}
    assert (seance.enfants_anonymes, seance.parents_presents) == (4, 2)
    assert "Présences du 01/10/2025 enregistrées." in html_de(client_connecte.get(reponse.url))


def test_unticking_a_child_removes_the_attendance(client_connecte):
    _, seance, (a, b, _) = action_avec_enfants(3)
    saisir(client_connecte, seance, [a, b])
    saisir(client_connecte, seance, [b])
    assert presents(seance) == {b.pk}


def test_a_child_unenrolled_since_the_grid_was_loaded_and_unticked_loses_the_presence(client_connecte):
    _, seance, (a, b, _) = action_avec_enfants(3)
    saisir(client_connecte, seance, [a, b])
    charge = chargement(seance)
    Inscription.objects.filter(participant=b).delete()

    assert saisir(client_connecte, seance, [a], charge=charge).status_code == 302

    assert presents(seance) == {a.pk}
    assert seance.history.first().history_change_reason == f"Présences – absent : {b.code}"


def test_a_child_not_enrolled_is_refused_and_nothing_is_saved(client_connecte):
    action, seance, (a, _, _) = action_avec_enfants(3)
    etranger = ParticipantFactory(structure=action.porteur)
    reponse = saisir(client_connecte, seance, [a, etranger], enfants_anonymes=4)
    assert erreurs(reponse, "presents")
    html = html_de(reponse)
    assert "Les présences n’ont pas été enregistrées" in html
    assert f'id="present-{a.pk}" checked>' in html, "the refused grid keeps the boxes as they were sent"
    seance.refresh_from_db()
    assert presents(seance) == set() and seance.enfants_anonymes == 0


@pytest.mark.parametrize("coches", [True, False], ids=["a-child-ticked", "headcounts-only"])
def test_a_future_session_s_grid_is_shown_but_not_saved(client_connecte, coches):
    action, _, (a,) = action_avec_enfants(1, date_fin=timezone.localdate() + datetime.timedelta(days=30))
    a_venir = SeanceFactory(action=action, date=timezone.localdate() + datetime.timedelta(days=1))
    html = html_de(client_connecte.get(url_presences(a_venir)))
    assert "Cette séance est à venir" in html and "<fieldset disabled>" in html
    reponse = saisir(client_connecte, a_venir, [a] if coches else [], parents_presents=3)
    assert erreurs(reponse, "presents") == [
        "Cette séance est à venir : sa grille de présences se remplit le jour même ou après."
    ]
    a_venir.refresh_from_db()
    assert presents(a_venir) == set() and a_venir.parents_presents == 0 and a_venir.saisie_le is None


def test_a_tampered_grid_value_is_refused_in_the_form(client_connecte):
    _, seance, _ = action_avec_enfants(1)
    reponse = client_connecte.post(
        url_presences(seance), {"presents": ["abc"], "enfants_anonymes": 0, "parents_presents": 0}
    )
    assert erreurs(reponse, "presents")


@pytest.mark.parametrize("nombre", [3, 30])
def test_grid_query_count_does_not_depend_on_the_number_of_children(client_connecte, django_assert_num_queries, nombre):
    _, seance, _ = action_avec_enfants(nombre)
    with django_assert_num_queries(REQUETES_GRILLE):
        html = html_de(client_connecte.get(url_presences(seance)))
    assert len(lignes(html, TABLE_PRESENCES)) == nombre


@pytest.mark.parametrize("nombre", [3, 30])
def test_saving_the_grid_query_count_does_not_depend_on_the_number_of_children(
    client_connecte, django_assert_num_queries, nombre
):
    _, seance, enfants = action_avec_enfants(nombre)
    PresenceFactory(seance=seance, participant=enfants[0])
    charge = chargement(seance)
    with django_assert_num_queries(REQUETES_ENREGISTRER_GRILLE):
        assert saisir(client_connecte, seance, enfants[1:], parents_presents=1, charge=charge).status_code == 302
    assert presents(seance) == {e.pk for e in enfants[1:]}


# --- Enrolment -------------------------------------------------------------------------------------


def test_enrolment_offers_only_the_porteur_children_not_yet_enrolled(client_connecte):
    action, _, inscrits = action_avec_enfants(2)
    libres = [ParticipantFactory(structure=action.porteur) for _ in range(2)]
    ailleurs = ParticipantFactory(structure=StructureFactory(contrat=contrat(action)))
    reponse = client_connecte.get(f"/actions/{action.pk}/inscriptions/")
    proposes = [code for _, code in reponse.context["form"].fields["participants"].choices]
    assert sorted(str(p) for p in proposes) == sorted(e.code for e in libres)
    html = html_de(reponse)
    assert all(e.code in html for e in libres)
    assert not any(e.code in html for e in [*inscrits, ailleurs])


def test_enrolment_post_enrols_the_ticked_children(client_connecte, utilisateur):
    action = ActionFactory()
    libres = [ParticipantFactory(structure=action.porteur) for _ in range(3)]
    reponse = inscrire_par_la_page(client_connecte, action, libres[:2])
    assert reponse.url == url_detail(action)
    inscriptions = action.inscriptions.all()
    assert {i.participant for i in inscriptions} == set(libres[:2])
    assert {i.date_inscription for i in inscriptions} == {datetime.date(2025, 10, 1)}
    assert "2 enfant(s) inscrit(s)." in html_de(client_connecte.get(reponse.url))


def test_enrolment_date_outside_the_action_is_refused(client_connecte):
    action = ActionFactory()
    enfant = ParticipantFactory(structure=action.porteur)
    reponse = inscrire_par_la_page(client_connecte, action, [enfant], date_inscription="01/07/2026")
    assert erreurs(reponse, "date_inscription") == ["La date d’inscription doit tomber pendant l’action."]
    assert not Inscription.objects.exists()


# --- Children --------------------------------------------------------------------------------------


def test_the_child_form_asks_for_no_name(client_connecte):
    ActionFactory()
    champs = set(client_connecte.get(NOUVEAU_PARTICIPANT).context["form"].fields)
    assert champs == {
        "structure",
        "sexe",
        "annee_naissance",
        "niveau_scolaire",
        "ecart_niveau",
        "etablissement",
        "quartier_residence",
        "date_consentement",
        "consentement_questionnaire",
        "confirmer_doublon",
    }


def test_a_new_child_gets_a_generated_code_shown_after_saving(client_connecte):
    action = ActionFactory()
    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, donnees_enfant(action.porteur), follow=True)
    enfant = Participant.objects.get()
    assert re.fullmatch(rf"E[{ALPHABET_CODE}]{{6}}", enfant.code)
    assert reponse.redirect_chain == [(f"/participants/{enfant.pk}/", 302)]
    html = html_de(reponse)
    assert f"Enfant enregistré sous le code {enfant.code}." in html
    assert f'<h1 class="h2 mb-0">Enfant {enfant.code}</h1>' in html


@pytest.mark.parametrize(("ecart", "accepte"), [(26, False), (25, True), (1, True), (0, False)])
def test_birth_year_must_be_within_the_last_25_years(client_connecte, ecart, accepte):
    action = ActionFactory()
    annee = timezone.localdate().year
    # Not at school, so that the level fits every age.
    enfant = donnees_enfant(action.porteur, annee_naissance=annee - ecart, niveau_scolaire=NiveauScolaire.NON_SCOLARISE)
    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, enfant)
    assert Participant.objects.exists() == accepte
    if not accepte:
        assert erreurs(reponse, "annee_naissance") == [
            f"L’année de naissance doit être comprise entre {annee - 25} et {annee - 1}."
        ]


def test_a_consent_dated_in_the_future_is_refused(client_connecte):
    action = ActionFactory()
    demain = timezone.localdate() + datetime.timedelta(days=1)
    reponse = client_connecte.post(
        NOUVEAU_PARTICIPANT, donnees_enfant(action.porteur, date_consentement=f"{demain:%d/%m/%Y}")
    )
    assert erreurs(reponse, "date_consentement") == ["La date du consentement ne peut pas être dans le futur."]
    assert not Participant.objects.exists()


def test_child_page_shows_the_actions_followed_with_attendance(client_connecte):
    action, seance, (enfant,) = action_avec_enfants(1)
    PresenceFactory(seance=seance, participant=enfant)
    autre = voisine(action, titre="Sortie au musée")
    InscriptionFactory(action=autre, participant=enfant, date_inscription=datetime.date(2025, 11, 3))
    html = html_de(client_connecte.get(f"/participants/{enfant.pk}/"))
    assert ligne(html, TABLE_SUIVIES, action.titre) == [action.titre, "15/09/2025", "1"]
    assert ligne(html, TABLE_SUIVIES, "Sortie au musée") == ["Sortie au musée", "03/11/2025", "0"]


def test_children_list_query_count_holds_from_3_to_30_children(client_connecte, django_assert_num_queries):
    action = ActionFactory()

    def grossir():
        for _ in range(27):
            InscriptionFactory(
                action=action,
                participant__quartier_residence=action.quartiers.get(),
                participant__etablissement=EtablissementFactory(contrat=contrat(action)),
            )

    inscrire(action, 3)
    _, apres = assert_requetes_constantes(
        django_assert_num_queries, REQUETES_PARTICIPANTS, lambda: client_connecte.get(PARTICIPANTS), grossir
    )
    assert "30 enfants" in html_de(apres)
