"""The bilan of a dossier: written by the porteur of its structure while the dossier is en cours,
refused in French otherwise and when its compte rendu financier does not hold, deposited only
complete; its figures read from the action's records, masked outside the officers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Seance
from actions.tests.factories import (
    ActionFactory,
    FinancementFactory,
    InscriptionFactory,
    PresenceFactory,
    SeanceFactory,
)
from actions.tests.navigateur import formulaire, texte
from comptes.enums import Role
from comptes.perimetre import Perimetre, perimetre_de
from comptes.services import adhesion_definir
from dossiers.enums import EtatDossier
from dossiers.models import Bilan, Dossier
from dossiers.selectors import chiffres_du_bilan
from dossiers.services import bilan_enregistrer, dossier_transitionner
from partenaires.models import Partenaire

from .conftest import bilan_complet, dossier_en, formulaire_de_bilan

pytestmark = pytest.mark.django_db


@pytest.fixture
def en_cours(campagne):
    return dossier_en(EtatDossier.EN_COURS)


@pytest.fixture
def porteur(comptes):
    return perimetre_de(comptes["porteur"])


def _enregistrer(dossier, perimetre, textes=None, **montants):
    """A complete bilan of the dossier, with some texts and lines changed."""
    complets, lignes = bilan_complet(dossier)
    return bilan_enregistrer(
        dossier=dossier, perimetre=perimetre, donnees=complets | (textes or {}), montants=lignes | montants
    )


def _refus(fonction, **kwargs):
    with pytest.raises(ValidationError) as refus:
        fonction(**kwargs)
    return refus.value


def _subventions(dossier):
    return sum(ligne["prevu"] for cle, ligne in bilan_complet(dossier)[1].items() if cle.startswith("74-"))


# --- The service -----------------------------------------------------------------------------


def test_a_porteur_saves_the_bilan_as_typed_and_each_save_is_a_version(en_cours, porteur):
    bilan = _enregistrer(en_cours, porteur)
    subventions = _subventions(en_cours)
    assert bilan.version == 1 and bilan.objectifs_atteints == "Douze enfants ont joué chaque semaine."
    assert bilan.compte_rendu["64"] == {"prevu": f"{subventions:.2f}", "realise": f"{subventions:.2f}"}
    assert "60" not in bilan.compte_rendu  # a line left empty is not stored

    bilan = _enregistrer(en_cours, porteur, {"perspectives": "Ouvrir aux CE1."})
    assert (bilan.version, bilan.perspectives, bilan.history.count()) == (2, "Ouvrir aux CE1.", 2)


@pytest.mark.parametrize(
    "etat", [EtatDossier.CONVENTIONNE, EtatDossier.BILAN_DEPOSE, EtatDossier.BILAN_VALIDE, EtatDossier.SOLDE]
)
def test_a_bilan_is_written_only_while_the_dossier_is_en_cours(campagne, porteur, etat):
    dossier = dossier_en(etat)
    avant = list(Bilan.objects.filter(dossier=dossier).values_list("version", "compte_rendu"))

    refus = _refus(_enregistrer, dossier=dossier, perimetre=porteur)

    assert refus.messages == [f"Ce dossier est « {etat.label} » : son bilan se remplit quand il est « En cours »."]
    assert list(Bilan.objects.filter(dossier=dossier).values_list("version", "compte_rendu")) == avant


def test_only_a_porteur_of_its_structure_writes_the_bilan(en_cours, comptes, reference):
    refus = _refus(_enregistrer, dossier=en_cours, perimetre=perimetre_de(comptes["chef"]))
    assert refus.messages == ["Seul un porteur de la structure du dossier remplit son bilan."]
    autre = reference.structures.exclude(pk=en_cours.structure_id).first()
    adhesion_definir(utilisateur=comptes["porteur"], contrat=reference, role=Role.PORTEUR, structures=[autre])
    refus = _refus(_enregistrer, dossier=en_cours, perimetre=perimetre_de(comptes["porteur"]))
    assert refus.messages == ["Seul un porteur de la structure du dossier remplit son bilan."]
    assert not Bilan.objects.filter(dossier=en_cours).exists()


def test_unbalanced_amounts_are_refused_and_nothing_is_saved(en_cours, porteur):
    subventions = _subventions(en_cours)
    refus = _refus(
        _enregistrer,
        dossier=en_cours,
        perimetre=porteur,
        **{"64": {"prevu": subventions, "realise": subventions + 100}},
    )
    assert refus.message_dict["__all__"] == [
        f"Les montants réalisés ne sont pas équilibrés : {_euros(subventions + 100)} de charges pour "
        f"{_euros(subventions)} de produits. Le total des charges doit égaler celui des produits."
    ]
    assert not Bilan.objects.filter(dossier=en_cours).exists()


def _euros(montant):
    entier, centimes = f"{montant:.2f}".split(".")
    return f"{int(entier):,}".replace(",", "\u202f") + f",{centimes}\u00a0€"


def test_contributions_in_kind_are_used_as_received(en_cours, porteur):
    subventions = _subventions(en_cours)
    refus = _refus(
        _enregistrer,
        dossier=en_cours,
        perimetre=porteur,
        **{
            "64": {"prevu": subventions - 100, "realise": subventions},
            "86": {"prevu": Decimal(500)},
            "87": {"prevu": Decimal(400)},
        },
    )
    assert refus.message_dict == {
        "prevu_86": [
            "Les emplois des contributions volontaires en nature (86) doivent égaler les contributions reçues "
            "(87) : 500,00\u00a0€ pour 400,00\u00a0€."
        ]
    }


def test_a_variance_over_a_tenth_of_the_budget_must_be_explained(en_cours, porteur):
    subventions = _subventions(en_cours)
    # 9 500 € planned: up to 950 € away from the plan a line needs no explanation.
    assert subventions == 9500
    achats = {"60": {"prevu": Decimal(0), "realise": Decimal(950)}}
    personnel = {"64": {"prevu": subventions, "realise": subventions - 950}}
    assert _enregistrer(en_cours, porteur, **achats, **personnel).version == 1

    achats = {"60": {"prevu": Decimal(0), "realise": Decimal("950.01")}}
    personnel = {"64": {"prevu": subventions, "realise": subventions - Decimal("950.01")}}
    refus = _refus(_enregistrer, dossier=en_cours, perimetre=porteur, **achats, **personnel)
    assert refus.message_dict == {
        "explication_ecarts": [
            "Expliquez les écarts importants entre le prévu et le réalisé (plus de 10 % du budget prévu) : "
            "Achats, Charges de personnel."
        ]
    }
    assert Bilan.objects.get(dossier=en_cours).compte_rendu["60"]["realise"] == "950.00"

    bilan = _enregistrer(
        en_cours, porteur, {"explication_ecarts": "Du matériel plutôt que des heures."}, **achats, **personnel
    )
    assert bilan.compte_rendu["60"]["realise"] == "950.01"


def test_an_empty_column_waits_and_the_deposit_says_everything_missing(en_cours, porteur, comptes):
    _, montants = bilan_complet(en_cours)
    prevus = {cle: {"prevu": ligne["prevu"]} for cle, ligne in montants.items()}
    vides = dict.fromkeys(["objectifs_atteints", "difficultes", "perspectives"], "")
    bilan_enregistrer(dossier=en_cours, perimetre=porteur, donnees=vides, montants=prevus)

    refus = _refus(
        dossier_transitionner, dossier=en_cours, nom="deposer_bilan", perimetre=porteur, auteur=comptes["porteur"]
    )

    assert refus.messages == [
        "Le bilan n’est pas complet. Il manque : les objectifs atteints ; les difficultés rencontrées ; les "
        "suites envisagées ; les montants réalisés du compte rendu financier."
    ]
    assert Dossier.objects.get(pk=en_cours.pk).etat == EtatDossier.EN_COURS


def test_a_complete_bilan_is_deposited_without_a_comment(en_cours, porteur, comptes):
    _enregistrer(en_cours, porteur)
    dossier_transitionner(dossier=en_cours, nom="deposer_bilan", perimetre=porteur, auteur=comptes["porteur"])
    assert Dossier.objects.get(pk=en_cours.pk).etat == EtatDossier.BILAN_DEPOSE


def test_the_subventions_are_planned_as_granted_then_as_asked(en_cours, reference):
    lignes = bilan_complet(en_cours)[1]
    anct = Partenaire.objects.get(contrat=reference, sigle="ANCT")
    caf = Partenaire.objects.get(contrat=reference, sigle="CAF")
    assert (lignes[f"74-{anct.pk}"]["prevu"], lignes[f"74-{caf.pk}"]["prevu"]) == (7500, 2000)
    # The CAF granted less than asked, and in two budget years: what it granted is planned.
    en_cours.action.financements.filter(financeur=caf).update(montant_accorde=1200, montant_verse=0)
    FinancementFactory(action=en_cours.action, financeur=caf, montant_accorde=300, montant_verse=0, annee=2027)
    assert bilan_complet(en_cours)[1][f"74-{caf.pk}"]["prevu"] == 1500


# --- The pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "lecture", "formulaire"),
    [
        ("porteur", 200, 200),
        ("chef", 200, 403),
        ("admin", 200, 403),
        ("animateur", 403, 403),
        ("partenaire", 403, 403),
    ],
)
def test_each_role_reaches_the_bilan_as_its_role_says(connecter, en_cours, role, lecture, formulaire):
    client = connecter(role)
    assert client.get(reverse("dossiers:bilan", args=[en_cours.pk])).status_code == lecture
    assert client.get(reverse("dossiers:modifier_bilan", args=[en_cours.pk])).status_code == formulaire


def test_a_porteur_reaches_no_other_structure_s_bilan_nor_a_bilan_before_the_action(
    connecter, en_cours, comptes, reference
):
    client = connecter("porteur")
    brouillon = dossier_en(EtatDossier.BROUILLON)
    assert client.get(reverse("dossiers:bilan", args=[brouillon.pk])).status_code == 404
    autre = reference.structures.exclude(pk=en_cours.structure_id).first()
    adhesion_definir(utilisateur=comptes["porteur"], contrat=reference, role=Role.PORTEUR, structures=[autre])
    assert client.get(reverse("dossiers:bilan", args=[en_cours.pk])).status_code == 404
    assert client.get(reverse("dossiers:modifier_bilan", args=[en_cours.pk])).status_code == 404


def test_the_porteur_fills_the_bilan_from_the_dossier_page(connecter, en_cours):
    client = connecter("porteur")
    page = texte(client.get(en_cours.get_absolute_url()))
    assert "Pas encore rempli." in page and reverse("dossiers:modifier_bilan", args=[en_cours.pk]) in page

    reponse = client.post(reverse("dossiers:modifier_bilan", args=[en_cours.pk]), formulaire_de_bilan(en_cours))

    assert reponse.status_code == 302 and reponse["Location"] == reverse("dossiers:bilan", args=[en_cours.pk])
    page = texte(client.get(reponse["Location"]))
    assert "Douze enfants ont joué chaque semaine." in page and "9\u202f500,00\u00a0€" in page
    assert "Avant de pouvoir le déposer" not in page


def test_bad_amounts_are_refused_next_to_their_field_and_nothing_is_saved(connecter, en_cours):
    client = connecter("porteur")
    donnees = formulaire_de_bilan(en_cours, realise_60="1.500", prevu_61="-5")

    reponse = client.post(reverse("dossiers:modifier_bilan", args=[en_cours.pk]), donnees)

    assert reponse.status_code == 200
    page = texte(reponse)
    assert 'id="id_realise_60-erreur">Montant non reconnu' in page
    assert 'aria-describedby="id_prevu_61-erreur"' in page and "supérieure ou égale à 0" in page
    assert not Bilan.objects.filter(dossier=en_cours).exists()


def test_an_unbalanced_compte_rendu_is_said_on_the_page(connecter, en_cours):
    client = connecter("porteur")
    donnees = formulaire_de_bilan(en_cours, realise_60="100")

    page = texte(client.post(reverse("dossiers:modifier_bilan", args=[en_cours.pk]), donnees))

    assert "Les montants réalisés ne sont pas équilibrés" in page
    assert not Bilan.objects.filter(dossier=en_cours).exists()


def test_a_validated_bilan_is_read_not_edited(connecter, campagne):
    valide = dossier_en(EtatDossier.BILAN_VALIDE)
    client = connecter("porteur")
    reponse = client.get(reverse("dossiers:modifier_bilan", args=[valide.pk]))
    assert reponse.status_code == 302 and reponse["Location"] == reverse("dossiers:bilan", args=[valide.pk])
    page = texte(client.get(reponse["Location"]))
    assert "son bilan ne se modifie plus" in page and "Modifier le bilan" not in page
    assert "Le matériel pédagogique a coûté plus que prévu" in page


def test_the_officer_reads_a_deposited_bilan_from_the_dossier_page(connecter, campagne):
    depose = dossier_en(EtatDossier.BILAN_DEPOSE)
    page = texte(connecter("chef").get(depose.get_absolute_url()))
    assert "Déposé : à valider, ou à renvoyer au porteur avec un commentaire." in page
    assert reverse("dossiers:bilan", args=[depose.pk]) in page
    assert reverse("dossiers:modifier_bilan", args=[depose.pk]) not in page


# --- The figures -----------------------------------------------------------------------------


@pytest.fixture
def action_comptee(db):
    """Three children enrolled: A (living in a quartier prioritaire) came twice, B once (and to a
    session since cancelled), C never. Sessions: two saved, one never saved, one cancelled."""
    action = ActionFactory(date_debut=datetime.date(2025, 9, 1), date_fin=datetime.date(2026, 6, 30))
    qpv = action.quartiers.get()
    a, b, _ = (
        InscriptionFactory(action=action, participant__quartier_residence=quartier).participant
        for quartier in (qpv, None, None)
    )
    premiere = SeanceFactory(action=action, date=datetime.date(2025, 10, 1))
    seconde = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), parents_presents=2)
    SeanceFactory(action=action, date=datetime.date(2025, 10, 15), a_saisir=True)
    annulee = SeanceFactory(action=action, date=datetime.date(2025, 10, 22))
    for seance, enfant in [(premiere, a), (premiere, b), (seconde, a), (annulee, b)]:
        PresenceFactory(seance=seance, participant=enfant)
    Seance.objects.filter(pk=annulee.pk).update(annulee_le=timezone.now(), motif_annulation="Grève")
    return action


def test_the_figures_are_those_of_the_records_worked_by_hand(action_comptee, reference):
    action = action_comptee
    chiffres = chiffres_du_bilan(action=action, perimetre=Perimetre(contrat=reference, role=Role.CHEF_DE_PROJET))
    assert (chiffres.enfants_inscrits, chiffres.enfants_venus, chiffres.enfants_venus_en_qpv) == (3, 2, 1)
    assert chiffres.part_en_qpv == 0.5
    # A twice, B once (not at the cancelled session); 3 children possible at each of 2 saved sessions.
    assert (chiffres.presences, chiffres.presences_possibles, chiffres.taux_assiduite) == (3, 6, 0.5)
    assert (chiffres.seances_prevues, chiffres.seances_tenues, chiffres.seances_annulees) == (4, 2, 1)
    assert (chiffres.seances_a_saisir, chiffres.parents) == (1, 2)


def test_the_figures_are_masked_outside_the_officers(action_comptee, reference):
    action = action_comptee
    chiffres = chiffres_du_bilan(action=action, perimetre=Perimetre(contrat=reference, role=Role.PORTEUR))
    assert (chiffres.enfants_inscrits, chiffres.enfants_venus, chiffres.enfants_venus_en_qpv) == ("< 5",) * 3
    assert (chiffres.part_en_qpv, chiffres.presences, chiffres.taux_assiduite) == ("s", "s", "s")
    assert (chiffres.seances_tenues, chiffres.parents) == (2, 2)  # not children: never masked

    # Seven enrolled, six came: C, who never came, would be their difference.
    seance = action.seances.get(date=datetime.date(2025, 10, 1))
    for _ in range(4):
        PresenceFactory(seance=seance, participant=InscriptionFactory(action=action).participant)
    chiffres = chiffres_du_bilan(action=action, perimetre=Perimetre(contrat=reference, role=Role.PORTEUR))
    assert (chiffres.enfants_inscrits, chiffres.enfants_venus, chiffres.enfants_venus_en_qpv) == (7, "s", "< 5")
    assert chiffres.part_en_qpv == "s"


@pytest.mark.parametrize("role", ["porteur", "chef"])
def test_the_bilan_pages_cost_the_same_queries_with_more_records(
    connecter, en_cours, porteur, reference, django_assert_num_queries, role
):
    """More children, sessions, presences and funding lines: the same queries."""
    _enregistrer(en_cours, porteur)
    client = connecter(role)
    urls = [reverse("dossiers:bilan", args=[en_cours.pk])]
    if role == "porteur":
        urls.append(reverse("dossiers:modifier_bilan", args=[en_cours.pk]))

    def requetes(url):
        with CaptureQueriesContext(connection) as capture:
            assert client.get(url).status_code == 200
        return len(capture)

    avant = [requetes(url) for url in urls]
    action = en_cours.action
    seance = SeanceFactory(action=action, date=action.date_debut)
    for _ in range(4):
        PresenceFactory(seance=seance, participant=InscriptionFactory(action=action).participant)
    SeanceFactory(action=action, date=action.date_debut + datetime.timedelta(days=1), a_saisir=True)
    FinancementFactory(
        action=action, financeur=Partenaire.objects.get(contrat=reference, sigle="DSDEN"), montant_verse=0
    )
    for url, nombre in zip(urls, avant, strict=True):
        with django_assert_num_queries(nombre):
            client.get(url)


def test_the_subventions_are_prefilled_once_then_stay_as_typed(connecter, en_cours, porteur):
    client = connecter("porteur")
    url = reverse("dossiers:modifier_bilan", args=[en_cours.pk])
    assert 'value="7\u202f500,00"' in texte(client.get(url))
    refus = _refus(bilan_enregistrer, dossier=en_cours, perimetre=porteur, donnees={}, montants={})
    assert refus.messages == ["Le bilan est vide : écrivez-en au moins une partie avant de l’enregistrer."]
    bilan_enregistrer(dossier=en_cours, perimetre=porteur, donnees={"difficultes": "Le local."}, montants={})

    assert Bilan.objects.get(dossier=en_cours).compte_rendu == {}
    assert 'value="7\u202f500,00"' not in texte(client.get(url))


def test_a_form_loaded_before_someone_else_saved_keeps_their_changes_or_says_so(connecter, en_cours, porteur):
    """Sequential, on both databases: what dossiers/tests/test_concurrence.py sends at once."""
    _enregistrer(en_cours, porteur)
    client = connecter("porteur")
    url = reverse("dossiers:modifier_bilan", args=[en_cours.pk])
    charge = formulaire_de_bilan(en_cours)
    # Meanwhile a colleague rewrites the difficulties and moves 100 € from staff to purchases.
    subventions = _subventions(en_cours)
    _enregistrer(
        en_cours,
        porteur,
        {"difficultes": "Le bus."},
        **{"60": {"prevu": Decimal(100)}, "64": {"prevu": subventions - 100, "realise": subventions}},
    )

    reponse = client.post(url, charge | {"difficultes": "Le local."})

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "a enregistré des modifications pendant que vous remplissiez ce formulaire" in page
    assert "Modifié entre-temps par" in page and "« Le bus. »" in page
    assert 'name="prevu_60" value="100,00"' in page.replace('class="form-control form-control-sm text-end" ', "")
    assert Bilan.objects.get(dossier=en_cours).difficultes == "Le bus."

    # Sent again as shown: the porteur's text, knowingly, and the colleague's amounts.
    assert client.post(url, formulaire(reponse, "version")).status_code == 302
    bilan = Bilan.objects.get(dossier=en_cours)
    assert (bilan.difficultes, bilan.compte_rendu["60"], bilan.version) == ("Le local.", {"prevu": "100.00"}, 3)
