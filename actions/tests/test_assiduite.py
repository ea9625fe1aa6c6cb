"""What a session counts, worked by hand: a session is « saisie » once its attendance grid was
saved (even with nobody present), « à saisir » when it is past (or of today) and never was,
« annulée » when cancelled. The attendance rate divides the presences by the presences
possible: at each session saisie and not cancelled, the children enrolled in its action and
whose parents had consented by its date. The action page and the dashboards agree."""

import datetime
from decimal import Decimal

import pytest

from actions import services
from actions.enums import EtatSeance
from actions.models import Participant, Seance
from fiches.annees import AnneeScolaire
from indicateurs.calculs import calculer

from .factories import ActionFactory, InscriptionFactory
from .test_vues import TABLE_ENFANTS, TABLE_SEANCES, cellules, html_de, ligne, lignes, url_detail

pytestmark = pytest.mark.django_db

MERCREDI = 2
# During the year (the current-year read of the dashboards) and once it is over (its sums).
EN_COURS, TERMINEE = datetime.date(2026, 6, 30), datetime.date(2026, 9, 15)


def taux(action, aujourdhui):
    figures = calculer(
        contrat=action.porteur.contrat,
        annee=AnneeScolaire(2025),
        fiche=action.realisation.fiche,
        aujourdhui=aujourdhui,
        codes=["taux_assiduite"],
    )
    return figures.totaux["taux_assiduite"]["actuelle"]


def chiffres(action, aujourdhui=TERMINEE):
    figures = calculer(
        contrat=action.porteur.contrat,
        annee=AnneeScolaire(2025),
        fiche=action.realisation.fiche,
        aujourdhui=aujourdhui,
        codes=["frequentation", "nb_parents", "taux_assiduite"],
    )
    return {code: valeurs["actuelle"] for code, valeurs in figures.totaux.items()}


def grille(seance, enfants, parents=0):
    services.presences_enregistrer(
        seance=seance, presents=[e.pk for e in enfants], enfants_anonymes=0, parents_presents=parents
    )


@pytest.fixture
def mercredis():
    """An action with 34 Wednesdays planned from 17/09/2025 (a series: none is a public holiday,
    the contract has no school holiday zone), and four children enrolled from the start, whose
    parents consented on 01/09/2025."""
    action = ActionFactory(date_debut=datetime.date(2025, 9, 15), date_fin=datetime.date(2026, 6, 30))
    enfants = [InscriptionFactory(action=action).participant for _ in range(4)]
    seances = services.seances_creer_en_serie(
        action=action,
        date_debut=datetime.date(2025, 9, 17),
        date_fin=datetime.date(2026, 5, 6),
        jours=[MERCREDI],
        auteur=None,
    ).seances
    assert len(seances) == 34
    return action, seances, enfants


def test_34_wednesdays_planned_and_one_grid_entered_count_only_that_session(client_connecte, mercredis):
    action, seances, enfants = mercredis
    grille(seances[3], enfants[:3])

    # 3 presences out of the 4 children of the one session entered: 75 %, where counting the 33
    # other Wednesdays as absences gave 3 / (34 x 4) = 2.2 %.
    assert taux(action, TERMINEE) == Decimal("75.0")
    assert taux(action, EN_COURS) == Decimal("75.0")
    html = html_de(client_connecte.get(url_detail(action)))
    assert 'id="taux-assiduite">75,0\u00a0%</strong>' in html
    assert [ligne(html, TABLE_ENFANTS, e.code)[3] for e in enfants] == ["1 / 1"] * 3 + ["0 / 1"]
    # The 33 others are past and were never entered: à saisir, shown as such, and counted.
    assert sum(1 for s in Seance.objects.all() if s.etat == EtatSeance.A_SAISIR) == 33
    assert "<strong>33</strong> séances à saisir" in html
    assert ligne(html, TABLE_SEANCES, "08/10/2025")[3:6] == ["Saisie", "3 / 4", "75\u00a0%"]
    assert ligne(html, TABLE_SEANCES, "15/10/2025")[3:6] == ["À saisir", "0 / 4", "–"]


def test_a_grid_saved_with_nobody_present_counts_every_child_absent(mercredis):
    action, seances, enfants = mercredis
    grille(seances[3], enfants[:3])
    grille(seances[4], [])
    assert taux(action, TERMINEE) == Decimal("37.5")  # 3 / (4 + 4)
    assert Seance.objects.get(pk=seances[4].pk).etat == EtatSeance.SAISIE


def test_an_enrolled_child_without_parental_consent_is_not_counted_absent(client_connecte, mercredis):
    action, seances, enfants = mercredis
    sans_consentement = enfants[3]
    services.participant_enregistrer(participant=sans_consentement, donnees={"date_consentement": None})
    grille(seances[3], enfants[:3])

    # Three children could be ticked, three came: 100 %, not 75 %.
    assert taux(action, TERMINEE) == taux(action, EN_COURS) == Decimal("100.0")
    html = html_de(client_connecte.get(url_detail(action)))
    assert 'id="taux-assiduite">100,0\u00a0%</strong>' in html
    assert ligne(html, TABLE_SEANCES, "08/10/2025")[4] == "3 / 3"
    assert ligne(html, TABLE_ENFANTS, sans_consentement.code)[3:5] == ["0 / 0", "–"]

    # Consent given on 20/10/2025: from then on, the child's absences count.
    services.participant_enregistrer(
        participant=sans_consentement, donnees={"date_consentement": datetime.date(2025, 10, 20)}
    )
    grille(seances[5], enfants[:3])  # 22/10/2025
    assert taux(action, TERMINEE) == Decimal("85.7")  # 6 / (3 + 4)
    assert Participant.objects.get(pk=sans_consentement.pk).date_consentement == datetime.date(2025, 10, 20)


def test_a_cancelled_session_counts_nowhere(client_connecte, mercredis):
    action, seances, enfants = mercredis
    grille(seances[3], enfants[:3], parents=2)
    grille(seances[4], enfants[:1], parents=5)
    assert chiffres(action) == {"frequentation": 4, "nb_parents": 7, "taux_assiduite": Decimal("50.0")}

    services.seance_annuler(seance=seances[4], motif="Intervenant absent")

    # Neither its presence, nor its 4 presences possible, nor its 5 parents.
    assert chiffres(action) == {"frequentation": 3, "nb_parents": 2, "taux_assiduite": Decimal("75.0")}
    assert chiffres(action, EN_COURS)["taux_assiduite"] == Decimal("75.0")
    html = html_de(client_connecte.get(url_detail(action)))
    assert ligne(html, TABLE_SEANCES, "15/10/2025")[3:8] == ["Annulée (Intervenant absent)", "–", "–", "–", "–"]
    assert 'id="taux-assiduite">75,0\u00a0%</strong>' in html
    assert "(hors séances annulées) : <strong>2</strong>" in html


def test_an_unsaved_past_session_is_a_saisir_and_a_future_one_to_come(client_connecte):
    action = ActionFactory(date_debut=datetime.date(2025, 9, 15), date_fin=datetime.date(2099, 6, 30))
    InscriptionFactory(action=action)
    passee = services.seance_enregistrer(action=action, donnees={"date": datetime.date(2025, 10, 1)})
    a_venir = services.seance_enregistrer(action=action, donnees={"date": datetime.date(2099, 1, 7)})

    assert (passee.etat, a_venir.etat) == (EtatSeance.A_SAISIR, EtatSeance.A_VENIR)
    assert taux(action, TERMINEE) is None, "nothing entered: no rate, rather than 0 %"
    assert action.seances_annuelles.get(annee_scolaire=2025).seances_non_saisies == 1
    html = html_de(client_connecte.get(url_detail(action)))
    assert "<strong>1</strong> séance à saisir" in html
    assert [cellules(brute)[3] for brute in lignes(html, TABLE_SEANCES)] == ["À saisir", "À venir"]
    assert "Grille à saisir" in html_de(client_connecte.get(passee.get_absolute_url()))
