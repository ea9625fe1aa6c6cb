"""A month of an action's attendance in one grid: what it shows and lets tick, and its save, which
follows the rules of the one-session grid by the same code (services.presences_du_mois_enregistrer
over _noter_la_grille), all or nothing, and leaves the same summaries as the grids saved one by
one would."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fiches.tests.test_pages import REQUETES_DE_SESSION

from .. import services
from ..models import Presence, Seance
from .factories import ActionFactory, InscriptionFactory, ParticipantFactory, PresenceFactory, SeanceFactory
from .navigateur import formulaire
from .test_resumes import coherent, egal_au_recomptage, resumes
from .test_vues import cellules, html_de, lignes

pytestmark = pytest.mark.django_db

NOVEMBRE = datetime.date(2025, 11, 1)
TABLE = "Présences de novembre 2025"
# Queries beyond the session and the user (pinned: a change must be deliberate). The page: the
# action, the closure of the month's school year (a closed one shows the closure instead), its
# sessions of the month, the children enrolled, their presences, the months around.
REQUETES_PAGE = REQUETES_DE_SESSION + 6
# The save: the page's reads, the action locked, its sessions read again, the closure of their
# school year checked once (the contract's shared lock, its closed years), enrolments and
# presences read, then per session changed its presences inserted (or deleted), the session and
# its history row written, then the summaries recounted once (the days of the sessions saved for
# the first time rewritten in one pass; the past years' éducation prioritaire of the children's
# rows read before they are rewritten, which keep it).
REQUETES_ENREGISTRER_BASE = REQUETES_DE_SESSION + 36
REQUETES_PAR_SEANCE = 3


def url(action, mois="2025-11"):
    return f"/actions/{action.pk}/presences/" + (f"?mois={mois}" if mois else "")


def mois_d_action(enfants=3, mercredis=4, **kwargs):
    """An action with `enfants` children enrolled from September and a session each Wednesday of
    November 2025 (the first `mercredis` of them), none entered yet."""
    action = ActionFactory(**kwargs)
    inscrits = [InscriptionFactory(action=action).participant for _ in range(enfants)]
    seances = [
        SeanceFactory(action=action, date=datetime.date(2025, 11, 5) + datetime.timedelta(weeks=rang), saisie_le=None)
        for rang in range(mercredis)
    ]
    return action, seances, inscrits


def cocher(page, *cases):
    """The page's form as loaded (the one with the first session's version), with these
    (session, child) boxes ticked on top."""
    premiere = page.context["form"].seances[0]
    donnees = formulaire(page, f"version-{premiere.pk}")
    donnees.setdefault("presences", [])
    donnees["presences"] += [f"{seance.pk}:{enfant.pk}" for seance, enfant in cases]
    return donnees


def presences_de(action):
    return set(Presence.objects.filter(seance__action=action).values_list("seance_id", "participant_id"))


# --- The page ---------------------------------------------------------------------------------------


def test_the_grid_shows_children_by_sessions_of_the_month_and_why_a_box_is_closed(client_connecte):
    action, (s1, s2, s3, s4), (a, b) = mois_d_action(enfants=2)
    SeanceFactory(action=action, date=datetime.date(2025, 10, 15))
    services.seance_annuler(seance=s3, motif="Grève")
    tardif = InscriptionFactory(action=action, date_inscription=datetime.date(2025, 11, 15)).participant
    sans_accord = InscriptionFactory(
        action=action, participant=ParticipantFactory(structure=action.porteur, date_consentement=None)
    ).participant
    accord_tardif = InscriptionFactory(
        action=action,
        participant=ParticipantFactory(structure=action.porteur, date_consentement=datetime.date(2025, 11, 10)),
    ).participant
    PresenceFactory(seance=s1, participant=a)

    html = html_de(client_connecte.get(url(action)))

    assert '<h1 class="h2">Présences de novembre 2025</h1>' in html
    entete = cellules(html.split("<thead>")[1].split("</thead>")[0])[1:]
    # French day and date, the session's state, a link to its own grid.
    assert entete == [
        "mer 05/11 saisie grille de la séance du 05/11/2025",
        "mer 12/11 à saisir grille de la séance du 12/11/2025",
        "mer 19/11 annulée grille de la séance du 19/11/2025",
        "mer 26/11 à saisir grille de la séance du 26/11/2025",
    ]
    rangees = {cellules(ligne)[0]: cellules(ligne)[1:] for ligne in lignes(html, TABLE)}
    assert set(rangees) == {a.code, b.code, tardif.code, sans_accord.code, accord_tardif.code}
    assert rangees[tardif.code] == [
        f"Présent·e : {tardif.code}, séance du 05/11 inscrit·e le 15/11",
        f"Présent·e : {tardif.code}, séance du 12/11 inscrit·e le 15/11",
        f"Présent·e : {tardif.code}, séance du 19/11 séance annulée",
        f"Présent·e : {tardif.code}, séance du 26/11",
    ]
    assert rangees[sans_accord.code][0].endswith("consentement parental à recueillir")
    assert rangees[accord_tardif.code][:2] == [
        f"Présent·e : {accord_tardif.code}, séance du 05/11 consentement recueilli le 10/11/2025",
        f"Présent·e : {accord_tardif.code}, séance du 12/11",
    ]
    assert rangees[a.code][2].endswith("séance annulée")
    assert f'name="presences" value="{s1.pk}:{a.pk}" checked' in html
    assert f'name="presences" value="{s2.pk}:{a.pk}">' in html
    assert f'value="{s3.pk}:' not in html, "a cancelled session's boxes are not sent"
    assert f'value="{s4.pk}:{tardif.pk}"' in html, "enrolled by then"
    assert f'value="{s1.pk}:{sans_accord.pk}"' not in html


def test_a_session_to_come_is_shown_but_not_editable(client_connecte):
    aujourdhui = datetime.date.today()
    action = ActionFactory(
        date_debut=aujourdhui.replace(day=1) - datetime.timedelta(days=60),
        date_fin=aujourdhui + datetime.timedelta(days=90),
    )
    enfant = InscriptionFactory(action=action).participant
    a_venir = SeanceFactory(action=action, date=aujourdhui + datetime.timedelta(days=40))
    html = html_de(client_connecte.get(url(action, mois=f"{a_venir.date:%Y-%m}")))
    assert f'value="{a_venir.pk}:{enfant.pk}"' not in html
    assert "séance à venir" in html and "à venir" in html


def test_the_month_shown_by_default_and_the_links_to_the_months_around(client_connecte):
    action, _, _ = mois_d_action(mercredis=1)
    octobre = SeanceFactory(action=action, date=datetime.date(2025, 10, 15))
    SeanceFactory(action=action, date=datetime.date(2026, 1, 14))
    # Not today's month (no session in it): the last month with sessions up to today.
    html = html_de(client_connecte.get(url(action, mois=None)))
    assert '<h1 class="h2">Présences de janvier 2026</h1>' in html
    html = html_de(client_connecte.get(url(action)))
    assert 'href="?mois=2025-10"' in html and 'href="?mois=2026-01"' in html
    assert "octobre 2025" in html and "janvier 2026" in html
    for illisible in ("2025-13", "abcd", "0001-01", "9999-12"):
        assert client_connecte.get(url(action, mois=illisible)).status_code == 200
    assert f"{octobre.date:%d/%m}" in html_de(client_connecte.get(url(action, mois="2025-10")))


def test_the_action_page_and_the_session_pages_link_to_the_month(client_connecte):
    action, (seance, *_), _ = mois_d_action()
    assert f'href="/actions/{action.pk}/presences/"' in html_de(client_connecte.get(action.get_absolute_url()))
    lien = f'href="/actions/{action.pk}/presences/?mois=2025-11"'
    assert lien in html_de(client_connecte.get(f"/actions/seances/{seance.pk}/presences/"))
    assert lien in html_de(client_connecte.get(f"/actions/seances/{seance.pk}/modifier/"))


# --- Saving ----------------------------------------------------------------------------------------


def test_one_request_saves_every_session_changed_and_leaves_the_others_a_saisir(client_connecte):
    action, (s1, s2, s3, s4), (a, b, c) = mois_d_action()
    page = client_connecte.get(url(action))
    donnees = cocher(page, (s1, a), (s1, b), (s2, c))
    donnees[f"parents-{s4.pk}"] = ["3"]

    reponse = client_connecte.post(url(action), donnees)

    assert reponse.status_code == 302 and reponse.url == url(action)
    assert presences_de(action) == {(s1.pk, a.pk), (s1.pk, b.pk), (s2.pk, c.pk)}
    etats = {s.pk: (s.saisie_le is not None, s.parents_presents) for s in Seance.objects.filter(action=action)}
    assert etats == {s1.pk: (True, 0), s2.pk: (True, 0), s3.pk: (False, 0), s4.pk: (True, 3)}
    assert "Présences de 3 séances enregistrées." in html_de(client_connecte.get(reponse.url))
    assert coherent() and egal_au_recomptage()


def test_unticking_in_the_month_removes_the_presence_and_keeps_the_history(client_connecte):
    action, (s1, *_), (a, b, _) = mois_d_action()
    services.presences_enregistrer(seance=s1, presents=[a.pk, b.pk], enfants_anonymes=0, parents_presents=0)
    donnees = cocher(client_connecte.get(url(action)))
    donnees["presences"].remove(f"{s1.pk}:{a.pk}")
    assert client_connecte.post(url(action), donnees).status_code == 302
    assert presences_de(action) == {(s1.pk, b.pk)}
    assert Seance.history.filter(id=s1.pk).first().history_change_reason == f"Présences – absent : {a.code}"
    assert coherent()


def test_nothing_changed_saves_nothing(client_connecte):
    action, seances, _ = mois_d_action()
    reponse = client_connecte.post(url(action), cocher(client_connecte.get(url(action))), follow=True)
    assert "rien à enregistrer" in html_de(reponse)
    assert not Seance.objects.filter(action=action, saisie_le__isnull=False).exists()
    assert [s.version for s in Seance.objects.filter(action=action)] == [s.version for s in seances]


def test_the_month_leaves_exactly_the_summaries_of_the_grids_saved_one_by_one():
    action, (s1, s2, s3, s4), (a, b, c) = mois_d_action()
    autre = ActionFactory(realisation=action.realisation, porteur=action.porteur)
    seance_ailleurs = SeanceFactory(action=autre, date=datetime.date(2025, 11, 6))
    InscriptionFactory(action=autre, participant=a)
    PresenceFactory(seance=seance_ailleurs, participant=a)
    PresenceFactory(seance=s3, participant=c)
    PresenceFactory(seance=s4, participant=a)
    grilles = {
        s1.pk: {"presents": {a.pk, b.pk}, "enfants_anonymes": 2, "parents_presents": 1, "version": s1.version},
        s2.pk: {"presents": {b.pk}, "enfants_anonymes": 0, "parents_presents": 0, "version": s2.version},
        s3.pk: {"presents": set(), "presents_au_chargement": {c.pk}, "enfants_anonymes": 0, "parents_presents": 4},
        # Entered already, only its ticks change: its day's presences move by the difference.
        s4.pk: {
            "presents": {b.pk, c.pk},
            "presents_au_chargement": {a.pk},
            "enfants_anonymes": 0,
            "parents_presents": 0,
        },
    }

    def apres(ecrire):
        with transaction.atomic():
            ecrire()
            obtenus = resumes(), presences_de(action)
            transaction.set_rollback(True)
        return obtenus

    du_mois = apres(lambda: services.presences_du_mois_enregistrer(action=action, grilles=grilles))
    une_par_une = apres(
        lambda: [services.presences_enregistrer(seance=Seance.objects.get(pk=pk), **g) for pk, g in grilles.items()]
    )

    assert du_mois == une_par_une
    assert du_mois[1] == {(s1.pk, a.pk), (s1.pk, b.pk), (s2.pk, b.pk), (s4.pk, b.pk), (s4.pk, c.pk)}
    services.presences_du_mois_enregistrer(action=action, grilles=grilles)
    assert coherent() and egal_au_recomptage()


def test_a_session_refused_by_the_rules_refuses_the_month_and_is_named():
    action, (s1, s2, *_), (a, _, _) = mois_d_action()
    sans_accord = InscriptionFactory(
        action=action, participant=ParticipantFactory(structure=action.porteur, date_consentement=None)
    ).participant
    etranger = ParticipantFactory(structure=action.porteur)
    avant = resumes()
    with pytest.raises(ValidationError) as refus:
        services.presences_du_mois_enregistrer(
            action=action,
            grilles={
                s1.pk: {"presents": {a.pk}, "enfants_anonymes": 0, "parents_presents": 0},
                s2.pk: {"presents": {sans_accord.pk, etranger.pk}, "enfants_anonymes": 0, "parents_presents": 0},
            },
        )
    assert refus.value.message_dict["presences"] == [
        "Séance du 12/11/2025 : ces enfants n’étaient pas inscrits à l’action à la date de la séance : "
        f"{etranger.code}."
    ]
    assert presences_de(action) == set() and resumes() == avant
    assert not Seance.objects.filter(action=action, saisie_le__isnull=False).exists()


def test_a_session_of_another_action_is_refused():
    action, (s1, *_), (a, *_) = mois_d_action()
    ailleurs = SeanceFactory(action=ActionFactory(), date=datetime.date(2025, 11, 5))
    with pytest.raises(ValidationError):
        services.presences_du_mois_enregistrer(
            action=action,
            grilles={
                s1.pk: {"presents": {a.pk}, "enfants_anonymes": 0, "parents_presents": 0},
                ailleurs.pk: {"presents": set(), "enfants_anonymes": 9, "parents_presents": 0},
            },
        )
    assert not Presence.objects.exists() and Seance.objects.get(pk=ailleurs.pk).enfants_anonymes == 0


def test_headcounts_saved_meanwhile_refuse_the_whole_month_naming_the_session_then_saving_again_keeps_mine(
    client_connecte,
):
    action, (s1, s2, *_), (a, b, _) = mois_d_action()
    donnees = cocher(client_connecte.get(url(action)), (s1, a))
    donnees[f"parents-{s2.pk}"] = ["2"]
    # Someone else saves the second session's grid with other headcounts meanwhile.
    services.presences_enregistrer(seance=s2, presents=[b.pk], enfants_anonymes=0, parents_presents=5)

    reponse = client_connecte.post(url(action), donnees)

    assert reponse.status_code == 200
    assert (
        "Quelqu’un d’autre a changé les effectifs de la séance du 12/11/2025 pendant que vous remplissiez la grille. "
        "Rien n’a été enregistré." in html_de(reponse)
    )
    assert presences_de(action) == {(s2.pk, b.pk)}, "nothing of the month was saved"
    assert Seance.objects.get(pk=s2.pk).parents_presents == 5

    reponse = client_connecte.post(url(action), cocher(reponse))

    assert reponse.status_code == 302, reponse.context["form"].errors
    assert presences_de(action) == {(s1.pk, a.pk), (s2.pk, b.pk)}, "the other user's tick is kept"
    assert Seance.objects.get(pk=s2.pk).parents_presents == 2
    assert coherent()


def test_a_box_the_page_does_not_offer_is_refused_in_the_form(client_connecte):
    action, (s1, *_), _ = mois_d_action()
    etranger = ParticipantFactory(structure=action.porteur)
    donnees = cocher(client_connecte.get(url(action)), (s1, etranger))
    reponse = client_connecte.post(url(action), donnees)
    assert reponse.status_code == 200
    assert "Cette page a été modifiée avant l’envoi : rechargez-la." in html_de(reponse)
    assert not Presence.objects.exists()


def test_a_headcount_missing_or_too_large_is_refused_naming_its_session(client_connecte):
    action, (s1, s2, *_), (a, *_) = mois_d_action()
    donnees = cocher(client_connecte.get(url(action)), (s1, a))
    donnees[f"anonymes-{s1.pk}"], donnees[f"parents-{s2.pk}"] = [""], ["40000"]
    html = html_de(client_connecte.post(url(action), donnees))
    assert "Enfants non inscrits venus, séance du 05/11 : un nombre entier de 0 à 32767 (0 si personne)." in html
    assert "Parents présents, séance du 12/11 : un nombre entier de 0 à 32767 (0 si personne)." in html
    assert f'id="id_parents-{s2.pk}_error"' in html, "shown in its cell too, tied to its field"
    assert not Presence.objects.exists()


# --- Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("enfants", "mercredis"), [(3, 2), (30, 4)])
def test_the_page_costs_the_same_queries_whatever_the_children_and_sessions(
    client_connecte, django_assert_num_queries, enfants, mercredis
):
    action, _, _ = mois_d_action(enfants=enfants, mercredis=mercredis)
    with django_assert_num_queries(REQUETES_PAGE):
        html = html_de(client_connecte.get(url(action)))
    assert len(lignes(html, TABLE)) == enfants


@pytest.mark.parametrize(("enfants", "mercredis"), [(3, 2), (30, 2), (30, 4)])
def test_the_save_costs_a_fixed_count_per_session_whatever_the_children(
    client_connecte, django_assert_num_queries, enfants, mercredis
):
    action, seances, inscrits = mois_d_action(enfants=enfants, mercredis=mercredis)
    donnees = cocher(client_connecte.get(url(action)), *((s, e) for s in seances for e in inscrits[1:]))
    with django_assert_num_queries(REQUETES_ENREGISTRER_BASE + REQUETES_PAR_SEANCE * mercredis):
        assert client_connecte.post(url(action), donnees).status_code == 302
    assert len(presences_de(action)) == (enfants - 1) * mercredis


# --- Whatever is posted -------------------------------------------------------------------------------

NOMS = st.sampled_from(["presences", "version-", "charges-", "anonymes-", "parents-", "initial-anonymes-", "x"])
VALEURS = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "1:1", "99999999999999999999:1", ",", "1,2", "-1"]),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envoi=st.lists(st.tuples(NOMS, st.integers(0, 2), VALEURS), max_size=12))
def test_whatever_is_posted_never_answers_500_nor_writes_outside_the_action(client_connecte, envoi):
    with transaction.atomic():
        action, seances, enfants = mois_d_action(enfants=2, mercredis=2)
        autre, seances_autres, enfants_autres = mois_d_action(enfants=1, mercredis=1)
        PresenceFactory(seance=seances_autres[0], participant=enfants_autres[0])
        ailleurs = (
            presences_de(autre),
            list(Seance.objects.filter(action=autre).values_list("version", "parents_presents")),
        )
        cibles = [*seances, *seances_autres]
        donnees = cocher(client_connecte.get(url(action)))
        for nom, rang, valeur in envoi:
            seance = cibles[rang]
            if nom == "presences" and valeur.isdigit():
                # A box of any of the two actions' sessions and children, offered or not.
                valeur = f"{seance.pk}:{[*enfants, *enfants_autres][int(valeur) % 3].pk}"
            donnees.setdefault(nom if nom in ("presences", "x") else f"{nom}{seance.pk}", []).append(valeur)
        reponse = client_connecte.post(url(action), donnees)
        assert reponse.status_code in (200, 302)
        assert (
            presences_de(autre),
            list(Seance.objects.filter(action=autre).values_list("version", "parents_presents")),
        ) == ailleurs
        assert {p for p, _ in presences_de(action)} <= {s.pk for s in seances}
        transaction.set_rollback(True)
