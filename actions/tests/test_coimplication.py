"""Who an action was designed and is run with (fiche 1.2.3, effet attendu E1): recorded once on
the action, through its form, shown on its page and kept in its history."""

import re

import pytest
from django.core.exceptions import ValidationError

from ..enums import Acteur
from ..forms import FormulaireAction
from ..models import Action
from .factories import ActionFactory
from .test_vues import NOUVELLE, donnees_action, html_de, url_detail

pytestmark = pytest.mark.django_db


def test_the_form_records_who_designed_and_runs_the_action_and_the_page_shows_it(client_connecte):
    base = ActionFactory()
    reponse = client_connecte.post(
        NOUVELLE,
        donnees_action(base, concue_avec=[Acteur.ECOLE, Acteur.PARENTS], animee_avec=[Acteur.HABITANTS]),
    )
    action = Action.objects.get(titre="Club lecture")
    assert reponse.url == url_detail(action)
    assert (action.concue_avec, action.animee_avec) == ([Acteur.ECOLE, Acteur.PARENTS], [Acteur.HABITANTS])

    html = html_de(client_connecte.get(url_detail(action)))
    assert (
        '<dt class="col-sm-3">Conçue avec</dt><dd class="col-sm-9">École ou établissement scolaire, Parents</dd>'
        in html
    )
    assert '<dt class="col-sm-3">Animée avec</dt><dd class="col-sm-9">Habitants</dd>' in html


def test_an_action_with_nothing_recorded_says_so_on_its_page(client_connecte):
    html = html_de(client_connecte.get(url_detail(ActionFactory())))
    assert html.count("la structure porteuse seule (rien de renseigné)") == 2


def test_the_form_offers_the_categories_as_labelled_checkboxes_with_help(client_connecte):
    html = html_de(client_connecte.get(NOUVELLE))
    for champ in ("concue_avec", "animee_avec"):
        for code in Acteur.values:
            assert re.search(f'<input type="checkbox"[^>]* name="{champ}" value="{code}"[^>]*>', html), (champ, code)
    assert "Conçue avec" in html and "Animée avec" in html
    assert "pas ceux qui y assistent" in html


def test_the_form_refuses_an_unknown_category_next_to_its_field_and_saves_nothing(client_connecte):
    base = ActionFactory()
    reponse = client_connecte.post(NOUVELLE, donnees_action(base, concue_avec=["mairie"], animee_avec=["ecole"]))
    assert reponse.status_code == 200
    form = reponse.context["form"]
    assert list(form.errors) == ["concue_avec"]
    assert "mairie" in form.errors["concue_avec"][0]
    assert not Action.objects.filter(titre="Club lecture").exists()


def test_the_model_refuses_an_unknown_category_written_around_the_form():
    action = ActionFactory.build(concue_avec=["ecole"], animee_avec=["enseignants"])
    with pytest.raises(ValidationError) as refus:
        action.clean()
    assert refus.value.message_dict == {"animee_avec": ["Acteur inconnu : enseignants."]}


def test_the_form_shows_an_action_s_categories_checked():
    action = ActionFactory(concue_avec=[Acteur.CENTRE_SOCIAL])
    form = FormulaireAction(
        instance=action, contrat=action.porteur.contrat, structures=action.porteur.contrat.structures.all()
    )
    cases = re.findall(r"<input[^>]*>", str(form["concue_avec"]))
    assert [case for case in cases if "checked" in case] == [
        next(case for case in cases if 'value="centre_social"' in case)
    ]


def test_a_change_of_who_runs_the_action_is_in_its_history(client_connecte):
    action = ActionFactory()
    lecture = action.thematiques.create(code="lecture", libelle="Lecture")
    client_connecte.post(
        f"/actions/{action.pk}/modifier/",
        donnees_action(action, thematiques=[lecture.pk], animee_avec=[Acteur.PARENTS], version=0),
    )
    action.refresh_from_db()
    assert action.animee_avec == [Acteur.PARENTS]
    avant, apres = action.history.order_by("-history_date", "-history_id")[:2][::-1]
    assert (avant.animee_avec, apres.animee_avec, apres.history_type) == ([], [Acteur.PARENTS], "~")
    html = html_de(client_connecte.get(url_detail(action)))
    assert "animée avec" in html
