import pytest
from django.core.management import call_command
from django.db.models import Count

from actions.demo import generer_activite
from actions.models import Action, Presence, Seance
from fiches.annees import AnneeScolaire
from fiches.models import Quartier, RealisationAttendue

pytestmark = pytest.mark.django_db


def test_demo_activity_covers_every_quartier_realisation_and_year(demo, reference):
    bilan = generer_activite(contrat=reference)

    assert bilan["actions"] >= 60 and bilan["presences"] > 5000
    courante = AnneeScolaire.courante()
    for annee in [courante, courante.precedente(), courante.precedente().precedente()]:
        actions = Action.objects.de_l_annee(annee)
        assert set(Quartier.objects.filter(actions__in=actions).values_list("pk", flat=True)) == set(
            Quartier.objects.filter(contrat=reference).values_list("pk", flat=True)
        ), annee
        assert set(actions.values_list("realisation__code", flat=True)) == {"R1", "R2", "R3"}, annee
    assert Action.objects.values("porteur").distinct().count() >= 3
    # Attendance only for sessions that have taken place, and headcount-only open events exist.
    assert not Presence.objects.filter(seance__date__gt=courante.fin).exists()
    evenements = Seance.objects.filter(enfants_anonymes__gt=0).annotate(n=Count("presences"))
    assert evenements.exists() and not evenements.filter(n__gt=0).exists()
    assert RealisationAttendue.objects.filter(actions__public_parents=True, code="R3").exists()


def test_demo_activity_is_created_once(demo, reference, capsys):
    generer_activite(contrat=reference)
    actions = Action.objects.count()
    call_command("generer_demo")
    assert Action.objects.count() == actions
    assert "Activité créée" not in capsys.readouterr().out
