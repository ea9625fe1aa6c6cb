"""Publishing a closed year's public bilan: only final figures go online, and a reopening takes
them offline at once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from fiches.models import ClotureAnnee
from fiches.selectors import annees_publiees
from fiches.services import annee_depublier, annee_publier, annee_rouvrir

from .factories import ContratFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return get_user_model().objects.create_user(username="admin")


def cloture(contrat, annee, *, cloturee=True):
    return ClotureAnnee.objects.create(
        contrat=contrat, annee_scolaire=annee, cloturee=cloturee, cloturee_le=timezone.now()
    )


def test_a_closed_year_is_published_then_withdrawn_and_each_step_is_in_its_history(admin):
    contrat = ContratFactory()
    annee = cloture(contrat, 2024)
    assert annees_publiees(contrat=contrat) == []

    annee_publier(cloture=annee, auteur=admin)
    assert annees_publiees(contrat=contrat) == [2024]
    assert annee.publiee_par == admin and annee.publiee_le is not None
    with pytest.raises(ValidationError, match="déjà publié"):
        annee_publier(cloture=annee, auteur=admin)

    annee_depublier(cloture=annee, auteur=admin)
    assert annees_publiees(contrat=contrat) == []
    with pytest.raises(ValidationError, match="n’est pas publié"):
        annee_depublier(cloture=annee, auteur=admin)
    assert list(annee.history.order_by("history_date").values_list("publiee", "history_change_reason")) == [
        (False, None),
        (True, "Bilan public mis en ligne"),
        (False, "Bilan public retiré"),
    ]


def test_a_reopened_year_is_refused_and_reopening_a_published_year_takes_it_offline(admin):
    contrat = ContratFactory()
    rouverte = cloture(contrat, 2023, cloturee=False)
    with pytest.raises(ValidationError, match="2023-2024 a été rouverte"):
        annee_publier(cloture=rouverte, auteur=admin)
    assert not ClotureAnnee.objects.get(pk=rouverte.pk).publiee

    publiee = annee_publier(cloture=cloture(contrat, 2024), auteur=admin)
    annee_rouvrir(cloture=publiee, motif="Présences d’octobre corrigées", auteur=admin)
    assert annees_publiees(contrat=contrat) == []


def test_the_published_years_are_those_of_the_contract_asked_newest_first(admin):
    contrat, autre = ContratFactory(), ContratFactory()
    for annee in (2022, 2024, 2023):
        annee_publier(cloture=cloture(contrat, annee), auteur=admin)
    annee_publier(cloture=cloture(autre, 2021), auteur=admin)
    cloture(contrat, 2020)
    assert annees_publiees(contrat=contrat) == [2024, 2023, 2022]
