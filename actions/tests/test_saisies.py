"""What a person types into the action forms: bounded (no value answers 500 or lands in a column
that cannot hold it) and helped (French amounts, a level that fits the age, a child entered twice,
finding a child among hundreds). Each refusal is a French message next to its field, nothing saved."""

import datetime
import itertools
import re
from decimal import Decimal
from html import unescape

import pytest

from fiches.annees import AnneeScolaire
from fiches.bornes import IDENTIFIANT_MAX
from fiches.convertisseurs import Identifiant
from fiches.tests.factories import QuartierFactory
from fiches.tests.test_pages import REQUETES_DE_SESSION
from partenaires.tests.factories import EtablissementFactory, SourceFinancementFactory

from ..enums import EcartDeNiveau, NiveauScolaire, Sexe
from ..models import Action, Financement, Inscription, Participant, Seance
from .factories import ActionFactory, FinancementFactory, ParticipantFactory, SeanceFactory
from .test_vues import (
    NOUVEAU_PARTICIPANT,
    NOUVELLE,
    PARTICIPANTS,
    REQUETES_PARTICIPANTS,
    ajouter_financement,
    ajouter_seance,
    creer_serie,
    donnees_action,
    donnees_enfant,
    donnees_financement,
    erreurs,
    html_de,
    saisir,
)

pytestmark = pytest.mark.django_db

VINGT_CHIFFRES = "9" * 20
DATE_HORS_BORNES = "Date hors des années possibles : saisissez une date du 01/01/1990 au 31/12/2100."
MONTANT_NON_RECONNU = (
    "Montant non reconnu : écrivez-le par exemple 1 500,50 (des espaces entre les milliers, "
    "une virgule avant les centimes)."
)
PLUS_QU_UN_PETIT_ENTIER = "Assurez-vous que cette valeur est inférieure ou égale à 32767."


def rentree():
    return AnneeScolaire.courante().annee_de_rentree


# --- Dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["01/01/0001", "31/12/1989", "01/01/2101", "31/12/9999"])
def test_an_action_dated_outside_1990_2100_is_refused(client_connecte, date):
    base = ActionFactory()
    reponse = client_connecte.post(NOUVELLE, donnees_action(base, date_debut=date, date_fin="31/12/2100"))
    assert erreurs(reponse, "date_debut") == [DATE_HORS_BORNES]
    assert Action.objects.count() == 1
    # The bounds themselves are dates an action may span.
    reponse = client_connecte.post(NOUVELLE, {**reponse.context["form"].data.dict(), "date_debut": "01/01/1990"})
    assert reponse.status_code == 302
    assert Action.objects.filter(date_debut=datetime.date(1990, 1, 1), date_fin=datetime.date(2100, 12, 31)).exists()


def test_a_series_ending_31_12_9999_is_refused_in_french(client_connecte):
    # An action saved before dates were bounded: its school year 9999-10000 cannot even be built.
    action = ActionFactory(date_fin=datetime.date(9999, 12, 31))
    reponse = creer_serie(client_connecte, action, date_debut="01/12/9999", date_fin="31/12/9999")
    assert erreurs(reponse, "date_fin") == [DATE_HORS_BORNES]
    assert not Seance.objects.exists()


def test_a_session_dated_9999_is_refused(client_connecte):
    action = ActionFactory(date_fin=datetime.date(9999, 12, 31))
    assert erreurs(ajouter_seance(client_connecte, action, date="31/12/9999"), "date") == [DATE_HORS_BORNES]
    assert not Seance.objects.exists()


def test_a_consent_dated_0001_is_refused(client_connecte):
    action = ActionFactory()
    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, donnees_enfant(action.porteur, date_consentement="01/01/0001"))
    assert erreurs(reponse, "date_consentement") == [DATE_HORS_BORNES]
    assert not Participant.objects.exists()


# --- Counts and ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("effectif", [2**15, 2**63])
def test_grid_headcounts_beyond_a_small_integer_are_refused(client_connecte, effectif):
    seance = SeanceFactory(date=datetime.date(2025, 10, 8))
    reponse = saisir(client_connecte, seance, [], enfants_anonymes=effectif, parents_presents=effectif)
    assert erreurs(reponse, "enfants_anonymes") == [PLUS_QU_UN_PETIT_ENTIER]
    assert erreurs(reponse, "parents_presents") == [PLUS_QU_UN_PETIT_ENTIER]
    seance.refresh_from_db()
    assert (seance.enfants_anonymes, seance.parents_presents) == (0, 0)
    assert saisir(client_connecte, seance, [], enfants_anonymes=2**15 - 1).status_code == 302
    seance.refresh_from_db()
    assert seance.enfants_anonymes == 2**15 - 1


def test_the_grid_tells_the_browser_the_largest_headcount(client_connecte):
    seance = SeanceFactory(date=datetime.date(2025, 10, 8))
    html = html_de(client_connecte.get(f"/actions/seances/{seance.pk}/presences/"))
    for nom in ("parents_presents", "enfants_anonymes"):
        assert re.search(rf'<input [^>]*max="32767" name="{nom}"', html), nom


def test_a_child_id_of_20_digits_is_an_unknown_choice_in_the_enrolment_form(client_connecte):
    action = ActionFactory()
    reponse = client_connecte.post(
        f"/actions/{action.pk}/inscriptions/", {"participants": [VINGT_CHIFFRES], "date_inscription": "01/10/2025"}
    )
    assert erreurs(reponse, "participants") == [f"Sélectionnez un choix valide. {VINGT_CHIFFRES} n’en fait pas partie."]
    assert not Inscription.objects.exists()


@pytest.mark.parametrize("champ", ["thematiques", "partenaires", "quartiers", "etablissements"])
def test_ids_of_20_digits_are_unknown_choices_in_the_action_form(client_connecte, champ):
    base = ActionFactory()
    reponse = client_connecte.post(NOUVELLE, donnees_action(base, **{champ: [VINGT_CHIFFRES]}))
    assert erreurs(reponse, champ) == [f"Sélectionnez un choix valide. {VINGT_CHIFFRES} n’en fait pas partie."]


def test_an_id_longer_than_the_column_matches_no_address(client_connecte):
    action = ActionFactory()
    assert client_connecte.get(f"/actions/{action.pk}/").status_code == 200
    for adresse in [f"/actions/{VINGT_CHIFFRES}/", f"/actions/{2**63}/modifier/", f"/partenaires/{VINGT_CHIFFRES}/"]:
        assert client_connecte.get(adresse).status_code == 404, adresse
    assert Identifiant().to_python(str(IDENTIFIANT_MAX)) == IDENTIFIANT_MAX
    with pytest.raises(ValueError):
        Identifiant().to_python(str(IDENTIFIANT_MAX + 1))


# --- Text lengths ----------------------------------------------------------------------------------


def test_a_description_of_1_mb_is_refused_with_its_length(client_connecte):
    base = ActionFactory()
    donnees = donnees_action(base)
    reponse = client_connecte.post(NOUVELLE, {**donnees, "description": "x" * 1_000_000})
    assert erreurs(reponse, "description") == [
        "Assurez-vous que cette valeur comporte au plus 10000 caractères (actuellement 1000000)."
    ]
    assert Action.objects.count() == 1
    assert client_connecte.post(NOUVELLE, {**donnees, "description": "x" * 10_000}).status_code == 302


def test_session_notes_are_capped_too(client_connecte):
    action = ActionFactory()
    reponse = ajouter_seance(client_connecte, action, notes="x" * 10_001)
    assert erreurs(reponse, "notes") == [
        "Assurez-vous que cette valeur comporte au plus 10000 caractères (actuellement 10001)."
    ]
    assert "10\u202f000 caractères au plus." in html_de(reponse)


# --- Amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saisi", "montant"),
    [
        ("1 500,50", Decimal("1500.50")),
        ("1500,50", Decimal("1500.50")),
        ("1\u202f500,50", Decimal("1500.50")),
        ("1\u00a0500,5 €", Decimal("1500.50")),
        ("1500.50", Decimal("1500.50")),
        ("12 000", Decimal("12000")),
        ("1 234 567,89", Decimal("1234567.89")),
    ],
)
def test_amounts_are_read_the_french_way(client_connecte, saisi, montant):
    action = ActionFactory()
    source = SourceFinancementFactory(contrat=action.porteur.contrat)
    reponse = ajouter_financement(client_connecte, action, donnees_financement(source, montant_demande=saisi))
    assert reponse.status_code == 302
    assert Financement.objects.get().montant_demande == montant


@pytest.mark.parametrize("saisi", ["1.500", "1,500", "15 00", "1 500,505", "1.500,50", "mille", "1e3"])
def test_an_amount_that_could_be_read_two_ways_is_refused_not_guessed(client_connecte, saisi):
    action = ActionFactory()
    source = SourceFinancementFactory(contrat=action.porteur.contrat)
    reponse = ajouter_financement(client_connecte, action, donnees_financement(source, montant_demande=saisi))
    assert erreurs(reponse, "montant_demande") == [MONTANT_NON_RECONNU]
    assert not Financement.objects.exists()


def test_an_amount_is_shown_as_typed_and_saved_again_unchanged(client_connecte):
    financement = FinancementFactory(
        montant_demande=Decimal("1500.50"), montant_accorde=Decimal("1500.50"), montant_verse=0
    )
    adresse = f"/actions/financements/{financement.pk}/modifier/"
    reponse = client_connecte.get(adresse)
    assert 'value="1\u202f500,50"' in html_de(reponse)
    assert 'inputmode="decimal"' in html_de(reponse)
    form = reponse.context["form"]
    donnees = {nom: form[nom].value() for nom in form.fields}
    donnees["financeur"] = donnees["financeur"] or ""
    assert client_connecte.post(adresse, donnees).status_code == 302
    financement.refresh_from_db()
    assert financement.montant_demande == Decimal("1500.50")


# --- The level fits the birth year -----------------------------------------------------------------


def test_a_child_born_in_2008_is_not_in_cp_without_a_reason(client_connecte):
    action = ActionFactory()
    reponse = client_connecte.post(
        NOUVEAU_PARTICIPANT, donnees_enfant(action.porteur, annee_naissance=2008, niveau_scolaire=NiveauScolaire.CP)
    )
    assert erreurs(reponse, "niveau_scolaire") == [
        f"Un enfant né en 2008 a d’ordinaire fini le lycée en {AnneeScolaire.courante()}, pas en CP. "
        "Corrigez l’année de naissance ou le niveau, ou choisissez ci-dessous la raison de l’écart "
        "(redoublement, saut de classe…)."
    ]
    assert not Participant.objects.exists()
    # The usual level for the age needs no reason, nor does being out of school, at any age.
    usuels = [(6, NiveauScolaire.CP), (3, NiveauScolaire.PS), (17, NiveauScolaire.TERMINALE)]
    for age, niveau in [*usuels, (12, NiveauScolaire.NON_SCOLARISE), (18, NiveauScolaire.NON_SCOLARISE)]:
        donnees = donnees_enfant(
            action.porteur, annee_naissance=rentree() - age, niveau_scolaire=niveau, sexe=Sexe.GARCON
        )
        assert client_connecte.post(NOUVEAU_PARTICIPANT, donnees).status_code == 302, niveau


def test_one_year_behind_needs_a_reason_and_the_reason_is_kept(client_connecte):
    action = ActionFactory()
    donnees = donnees_enfant(action.porteur, annee_naissance=rentree() - 10, niveau_scolaire=NiveauScolaire.CM1)
    assert erreurs(client_connecte.post(NOUVEAU_PARTICIPANT, donnees), "niveau_scolaire") == [
        f"Un enfant né en {rentree() - 10} est d’ordinaire en CM2 en {AnneeScolaire.courante()}, pas en CM1. "
        "Corrigez l’année de naissance ou le niveau, ou choisissez ci-dessous la raison de l’écart "
        "(redoublement, saut de classe…)."
    ]
    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, {**donnees, "ecart_niveau": EcartDeNiveau.REDOUBLEMENT})
    enfant = Participant.objects.get()
    assert reponse.status_code == 302
    assert enfant.ecart_niveau == EcartDeNiveau.REDOUBLEMENT
    assert enfant.history.get().ecart_niveau == EcartDeNiveau.REDOUBLEMENT
    assert "CM1 – niveau inhabituel pour l’âge : redoublement" in html_de(client_connecte.get(reponse.url))


def test_a_record_kept_as_typed_last_year_is_not_refused_for_its_level(client_connecte):
    # Born two years before the usual age of CM1: typed when that was someone else's business.
    enfant = ParticipantFactory(annee_naissance=rentree() - 11, niveau_scolaire=NiveauScolaire.CM1)
    ActionFactory(porteur=enfant.structure)
    adresse = f"/participants/{enfant.pk}/modifier/"
    donnees = donnees_enfant(
        enfant.structure, annee_naissance=enfant.annee_naissance, niveau_scolaire=enfant.niveau_scolaire
    )
    assert client_connecte.post(adresse, {**donnees, "date_consentement": "02/09/2025"}).status_code == 302
    # Changing the level is typing it again: then it must fit, or say why.
    reponse = client_connecte.post(adresse, {**donnees, "niveau_scolaire": NiveauScolaire.CE2})
    assert erreurs(reponse, "niveau_scolaire")


def test_a_reason_no_longer_needed_is_not_kept(client_connecte):
    enfant = ParticipantFactory(
        annee_naissance=rentree() - 10, niveau_scolaire=NiveauScolaire.CM1, ecart_niveau=EcartDeNiveau.REDOUBLEMENT
    )
    ActionFactory(porteur=enfant.structure)
    donnees = donnees_enfant(
        enfant.structure,
        annee_naissance=enfant.annee_naissance,
        niveau_scolaire=NiveauScolaire.CM2,
        ecart_niveau=EcartDeNiveau.REDOUBLEMENT,
    )
    assert client_connecte.post(f"/participants/{enfant.pk}/modifier/", donnees).status_code == 302
    enfant.refresh_from_db()
    assert (enfant.niveau_scolaire, enfant.ecart_niveau) == (NiveauScolaire.CM2, "")


# --- A child entered twice -------------------------------------------------------------------------


def test_a_possible_duplicate_is_shown_with_a_link_and_needs_a_confirmation(client_connecte):
    action = ActionFactory()
    ecole = EtablissementFactory(contrat=action.porteur.contrat)
    donnees = donnees_enfant(action.porteur, etablissement=ecole.pk)
    assert client_connecte.post(NOUVEAU_PARTICIPANT, donnees).status_code == 302
    premier = Participant.objects.get()

    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, donnees)
    assert erreurs(reponse, "confirmer_doublon") == [
        "Vérifiez qu’il ne s’agit pas du même enfant ; si c’en est un autre, cochez cette case pour l’enregistrer."
    ]
    html = unescape(html_de(reponse))
    assert f'<a href="/participants/{premier.pk}/">Enfant {premier.code}</a>' in html
    assert "Cette structure suit déjà un enfant de même sexe, année de naissance, niveau et établissement" in html
    assert 'name="confirmer_doublon"' in html
    assert Participant.objects.count() == 1

    reponse = client_connecte.post(NOUVEAU_PARTICIPANT, {**donnees, "confirmer_doublon": "on"})
    assert reponse.status_code == 302
    assert Participant.objects.count() == 2

    # Another school or another sex is another child; editing a record asks nothing.
    autre_ecole = EtablissementFactory(contrat=action.porteur.contrat)
    assert client_connecte.post(NOUVEAU_PARTICIPANT, {**donnees, "etablissement": autre_ecole.pk}).status_code == 302
    assert client_connecte.post(NOUVEAU_PARTICIPANT, {**donnees, "sexe": Sexe.GARCON}).status_code == 302
    modification = client_connecte.post(f"/participants/{premier.pk}/modifier/", donnees)
    assert modification.status_code == 302
    assert 'name="confirmer_doublon"' not in html_de(client_connecte.get(NOUVEAU_PARTICIPANT))


# --- Finding a child among hundreds ----------------------------------------------------------------


NUMEROS = itertools.count()


def creer_enfants(structure, nombre, **profil):
    """`nombre` children of the structure at once (as the demo generator does, without history)."""
    return Participant.objects.bulk_create(
        Participant(structure=structure, code=f"B{next(NUMEROS):06d}", sexe=Sexe.FILLE, **profil) for _ in range(nombre)
    )


@pytest.fixture
def trois_cents_enfants():
    """300 children of one structure: 100 in CP at school A in quartier A, 100 in CE1 at school B
    living outside the quartiers, 100 in 6e at school B in quartier B; and one action of theirs."""
    action = ActionFactory()
    contrat = action.porteur.contrat
    quartier_a, quartier_b = action.quartiers.get(), QuartierFactory(contrat=contrat)
    ecole_a, ecole_b = EtablissementFactory(contrat=contrat), EtablissementFactory(contrat=contrat)
    naissance = rentree() - 6
    groupes = [
        {
            "niveau_scolaire": NiveauScolaire.CP,
            "annee_naissance": naissance,
            "etablissement": ecole_a,
            "quartier_residence": quartier_a,
        },
        {"niveau_scolaire": NiveauScolaire.CE1, "annee_naissance": naissance - 1, "etablissement": ecole_b},
        {
            "niveau_scolaire": NiveauScolaire.SIXIEME,
            "annee_naissance": naissance - 5,
            "etablissement": ecole_b,
            "quartier_residence": quartier_b,
        },
    ]
    for groupe in groupes:
        creer_enfants(action.porteur, 100, **groupe)
    return action, (ecole_a, ecole_b), (quartier_a, quartier_b)


def codes_listes(reponse):
    assert reponse.status_code == 200
    return [enfant.code for enfant in reponse.context["page"]]


def test_the_children_list_filters_by_code_level_school_and_quartier(client_connecte, trois_cents_enfants):
    _, (ecole_a, ecole_b), (quartier_a, quartier_b) = trois_cents_enfants
    tous = client_connecte.get(PARTICIPANTS)
    assert tous.context["page"].paginator.count == 300
    assert client_connecte.get(PARTICIPANTS, {"niveau": "CE1"}).context["page"].paginator.count == 100
    assert client_connecte.get(PARTICIPANTS, {"etablissement": ecole_b.pk}).context["page"].paginator.count == 200
    assert client_connecte.get(PARTICIPANTS, {"quartier": quartier_b.pk}).context["page"].paginator.count == 100
    hors_qpv = client_connecte.get(PARTICIPANTS, {"quartier": "null"})
    assert hors_qpv.context["page"].paginator.count == 100
    assert {enfant.niveau_scolaire for enfant in hors_qpv.context["page"]} == {NiveauScolaire.CE1}
    un = Participant.objects.order_by("code")[150]
    # Typed in small letters, with a space: found all the same.
    assert codes_listes(client_connecte.get(PARTICIPANTS, {"code": f"{un.code[:3].lower()} {un.code[3:]}"})) == [
        un.code
    ]
    filtres = {"niveau": "6E", "etablissement": ecole_b.pk, "quartier": quartier_b.pk, "page": 2}
    page = client_connecte.get(PARTICIPANTS, filtres)
    assert page.context["page"].paginator.count == 100 and len(page.context["page"]) == 50
    assert f"niveau=6E&amp;etablissement={ecole_b.pk}&amp;quartier={quartier_b.pk}&amp;page=1" in html_de(page)


# A filter on a school or a quartier reads the one chosen, to check it is the contract's.
REQUETES_PAR_FILTRE_D_UN_LIEU = 1


def test_the_children_list_costs_the_same_queries_for_3_or_300_children(
    client_connecte, django_assert_num_queries, trois_cents_enfants
):
    action, (ecole_a, _), (quartier_a, _) = trois_cents_enfants
    filtres = {"code": "B", "niveau": "CP", "etablissement": ecole_a.pk, "quartier": quartier_a.pk}
    requetes = REQUETES_PARTICIPANTS + 2 * REQUETES_PAR_FILTRE_D_UN_LIEU
    with django_assert_num_queries(requetes):
        assert client_connecte.get(PARTICIPANTS, filtres).context["page"].paginator.count == 100
    Participant.objects.exclude(pk__in=Participant.objects.order_by("pk")[:3]).delete()
    with django_assert_num_queries(requetes):
        assert client_connecte.get(PARTICIPANTS, filtres).context["page"].paginator.count == 3
    with django_assert_num_queries(REQUETES_PARTICIPANTS):
        assert client_connecte.get(PARTICIPANTS).context["page"].paginator.count == 3


# Beyond the session: the action (and its four kinds of relations), the filter's schools and
# quartiers, the children offered; the closures of the action's school years.
REQUETES_INSCRIPTIONS = REQUETES_DE_SESSION + 9


def test_the_enrolment_form_offers_the_children_the_filters_find(
    client_connecte, django_assert_num_queries, trois_cents_enfants
):
    action, (ecole_a, ecole_b), _ = trois_cents_enfants
    adresse = f"/actions/{action.pk}/inscriptions/"
    with django_assert_num_queries(REQUETES_INSCRIPTIONS):
        tous = client_connecte.get(adresse)
    assert html_de(tous).count('name="participants"') == 300
    filtre = client_connecte.get(adresse, {"niveau": "CE1", "etablissement": ecole_b.pk})
    offerts = Participant.objects.filter(pk__in=[pk for pk, _ in filtre.context["form"].fields["participants"].choices])
    assert len(offerts) == 100 and {enfant.niveau_scolaire for enfant in offerts} == {NiveauScolaire.CE1}
    html = html_de(filtre)
    assert html.count('name="participants"') == 100
    assert "Trouver des enfants" in html

    # Sent to the filtered address, the ticked children are enrolled. A child the filters hide is
    # still one of the structure's: accepted, so that a child enrolled meanwhile by someone else
    # is answered « déjà inscrit » (actions.services.participants_inscrire).
    offerts = list(offerts.order_by("code"))
    reponse = client_connecte.post(
        f"{adresse}?niveau=CE1", {"participants": [offerts[0].pk, offerts[1].pk], "date_inscription": "01/10/2025"}
    )
    assert reponse.status_code == 302
    assert set(action.inscriptions.values_list("participant", flat=True)) == {offerts[0].pk, offerts[1].pk}


def test_the_enrolment_form_costs_the_same_queries_for_3_or_300_children(
    client_connecte, django_assert_num_queries, trois_cents_enfants
):
    action, (_, ecole_b), _ = trois_cents_enfants
    adresse = f"/actions/{action.pk}/inscriptions/"
    filtres = {"code": "b0", "niveau": "CE1", "etablissement": ecole_b.pk}
    for nombre in [100, 3]:
        Participant.objects.exclude(pk__in=Participant.objects.filter(niveau_scolaire="CE1")[:nombre]).delete()
        with django_assert_num_queries(REQUETES_INSCRIPTIONS + REQUETES_PAR_FILTRE_D_UN_LIEU):
            reponse = client_connecte.get(adresse, filtres)
        assert html_de(reponse).count('name="participants"') == nombre
