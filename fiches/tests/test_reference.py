import copy
import re
import unicodedata
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from fiches.enums import NatureIndicateur, Rubrique, ZoneScolaire
from fiches.models import (
    Axe,
    Contrat,
    EffetAttendu,
    Enjeu,
    EnonceIndicateur,
    Fiche,
    LienFiche,
    ParagrapheFiche,
    Pilier,
    RealisationAttendue,
    Thematique,
)
from fiches.reference import lire_reference
from indicateurs.services import reference_charger
from partenaires.models import Dispositif, Partenaire, SourceFinancement, TypeStructure

from .seed import lire_entete, lire_sections

pytestmark = pytest.mark.django_db

MODELES_DE_REFERENCE = [
    Contrat,
    Pilier,
    Axe,
    Enjeu,
    Fiche,
    ParagrapheFiche,
    RealisationAttendue,
    EffetAttendu,
    EnonceIndicateur,
    LienFiche,
    Thematique,
    Partenaire,
    TypeStructure,
    Dispositif,
    SourceFinancement,
]
RELATIONS_DE_LA_FICHE = ["partenaires", "types_acteurs", "dispositifs", "sources_financement"]


def textes_chargés(fiche):
    """The fiche as the database holds it, section by section, in the order a reader sees it."""
    paragraphes = {r: [p.texte for p in fiche.paragraphes.filter(rubrique=r).order_by("ordre")] for r in Rubrique}
    return {
        "contexte": paragraphes[Rubrique.CONTEXTE],
        "objectifs": paragraphes[Rubrique.OBJECTIFS],
        "realisations": [r.libelle for r in fiche.realisations_attendues.all()],
        "effets": [e.libelle for e in fiche.effets_attendus.all()],
        "echelle_territoriale": paragraphes[Rubrique.ECHELLE_TERRITORIALE],
        "animateur": paragraphes[Rubrique.ANIMATEUR],
        "partenaires_dispositifs": paragraphes[Rubrique.PARTENAIRES_DISPOSITIFS],
        "financements": paragraphes[Rubrique.FINANCEMENTS],
        "calendrier": paragraphes[Rubrique.CALENDRIER],
        "indicateurs_realisation": [
            i.libelle for i in fiche.enonces_indicateurs.filter(nature=NatureIndicateur.REALISATION)
        ],
        "indicateurs_effet": [i.libelle for i in fiche.enonces_indicateurs.filter(nature=NatureIndicateur.EFFET)],
        "liens": [
            f"{lien.get_niveau_display()} {lien.code}. {lien.libelle}"
            + (f". {lien.complement}" if lien.complement else "")
            for lien in fiche.liens.all()
        ],
    }


def instantane():
    """Every row of the reference models, their history and the fiche's relations, to prove a
    second load touches nothing."""
    etat = {
        modele.__name__: (list(modele.objects.order_by("pk").values()), modele.history.count())
        for modele in MODELES_DE_REFERENCE
    }
    for relation in RELATIONS_DE_LA_FICHE:
        etat[relation] = list(getattr(Fiche, relation).through.objects.order_by("pk").values())
    return etat


def sans_accents(texte):
    return "".join(c for c in unicodedata.normalize("NFD", texte) if not unicodedata.combining(c)).casefold()


def test_every_bullet_of_the_signed_fiche_is_loaded_word_for_word_and_in_order(reference):
    fiche = Fiche.objects.get(code="1.2.3")
    attendu = lire_sections()
    assert sum(len(puces) for puces in attendu.values()) == 30
    assert textes_chargés(fiche) == attendu


def test_the_fiche_sits_in_its_pilier_axe_and_enjeu(reference):
    entete = lire_entete()
    fiche = Fiche.objects.select_related("enjeu__axe__pilier").get(code=entete["code"])
    assert fiche.enjeu.axe.pilier.code == entete["pilier"]
    assert fiche.enjeu.axe.code == f"{entete['pilier']}.{entete['axe']}"
    assert fiche.enjeu.intitule == entete["enjeu"]
    # The signed document sets the title in capitals without accents; the app writes it in
    # sentence case, accented: the same words.
    assert sans_accents(fiche.titre) == sans_accents(entete["titre"])


def test_partners_acteurs_dispositifs_and_funding_are_relations_an_action_can_pick_from(reference):
    fiche = Fiche.objects.get(code="1.2.3")
    assert [p.sigle or p.nom for p in fiche.partenaires.order_by("pk")] == [
        "DSDEN",
        "Communes",
        "CAF",
        "Conseil départemental",
        "DDCS",
        "Région",
    ]
    assert fiche.types_acteurs.count() == 4
    assert sorted(fiche.dispositifs.values_list("code", flat=True)) == sorted(
        ["clas", "pre", "aef", "psad", "referents-decrochage", "ma-seconde-chance", "droit-retour-formation", "mlds"]
    )
    sources = {s.libelle: s for s in fiche.sources_financement.select_related("financeur")}
    assert sources["Crédits de droit commun de la Région"].financeur.nom == "Région"
    assert sources["Appel à projets politique de la ville"].financeur is None


def test_links_point_to_the_objects_the_contract_holds(reference):
    liens = {lien.code: lien for lien in Fiche.objects.get(code="1.2.3").liens.select_related("axe", "enjeu")}
    assert liens["1.2.4"].enjeu.intitule.startswith("Développer les dynamiques de soutien à la parentalité")
    assert liens["T.2"].axe.intitule == "Jeunesse"
    assert liens["1.2.2"].fiche_liee.code == "1.2.2"
    assert liens["1.2.2"].enjeu == Fiche.objects.get(code="1.2.3").enjeu


def test_loading_twice_changes_nothing(reference):
    avant = instantane()
    _, bilan = reference_charger(donnees=lire_reference())
    assert bilan.inchange
    assert instantane() == avant


def test_loading_again_keeps_what_an_administrator_edited(reference):
    paragraphe = ParagrapheFiche.objects.filter(fiche__code="1.2.3", rubrique=Rubrique.CONTEXTE).first()
    paragraphe.texte = "Texte revu en comité de pilotage."
    paragraphe.save()
    ParagrapheFiche.objects.create(fiche=paragraphe.fiche, rubrique=Rubrique.CALENDRIER, ordre=2, texte="Bilan en juin")

    _, bilan = reference_charger(donnees=lire_reference())

    assert bilan.inchange
    paragraphe.refresh_from_db()
    assert paragraphe.texte == "Texte revu en comité de pilotage."
    assert ParagrapheFiche.objects.filter(texte="Bilan en juin").exists()


def test_overwriting_realigns_on_the_file(reference):
    donnees = lire_reference()
    fiche_123 = donnees["fiches"][1]
    fiche_123["rubriques"]["contexte"][0] = "Contexte corrigé."
    del fiche_123["rubriques"]["contexte"][1]

    _, bilan = reference_charger(donnees=donnees, ecraser=True)

    contexte = ParagrapheFiche.objects.filter(fiche__code="1.2.3", rubrique=Rubrique.CONTEXTE)
    assert list(contexte.values_list("texte", flat=True)) == ["Contexte corrigé."]
    assert bilan.modifies == {"paragraphes de fiche": 1}
    assert bilan.supprimes == {"paragraphes de fiche": 1}
    assert contexte.get().history.first().history_type == "~"


def test_the_school_zone_comes_from_the_file_or_an_administrator_and_a_reload_keeps_it(reference):
    # The signed fiche names no territory: the shipped contract has no zone.
    assert reference.zone_scolaire == ""
    reference.zone_scolaire = ZoneScolaire.B
    reference.save()
    reference_charger(donnees=lire_reference(), ecraser=True)
    reference.refresh_from_db()
    assert reference.zone_scolaire == ZoneScolaire.B

    donnees = lire_reference()
    donnees["contrat"]["zone_scolaire"] = "C"
    contrat, _ = reference_charger(donnees=donnees, ecraser=True)
    assert contrat.zone_scolaire == ZoneScolaire.C


@pytest.mark.parametrize(
    ("alteration", "message"),
    [
        (lambda d: d["contrat"].update(zone_scolaire="D"), "n’est pas un choix valide"),
        (lambda d: d["fiches"][1]["partenaires"].append("Préfecture"), "Le partenaire « Préfecture » est cité"),
        (lambda d: d["partenaires"][0].update(type="ministere"), "n’est pas un choix valide"),
        (lambda d: d["fiches"][1]["rubriques"].update(annexes=["x"]), "Rubrique inconnue"),
        (lambda d: d["enjeux"][0].update(axe="9.9"), "L’axe « 9.9 » est cité"),
        (lambda d: d["fiches"][1]["liens"][1].update(fiche="4.5.6"), "La fiche « 4.5.6 » est cité"),
        (lambda d: d["dispositifs"].append(dict(d["dispositifs"][0])), "Le dispositif apparaît deux fois"),
        (
            lambda d: d["fiches"][1]["realisations_attendues"].append(
                dict(d["fiches"][1]["realisations_attendues"][0])
            ),
            "apparaît deux fois dans le fichier : {'code': 'R1'}",
        ),
        (lambda d: d["fiches"][1].update(code="1/2/3"), "Code attendu"),
    ],
)
def test_bad_data_is_refused_in_french_and_nothing_is_saved(db, alteration, message):
    donnees = copy.deepcopy(lire_reference())
    alteration(donnees)
    with pytest.raises(ValidationError, match=message):
        reference_charger(donnees=donnees)
    assert all(not modele.objects.exists() for modele in MODELES_DE_REFERENCE)


def test_the_command_reports_a_refusal_without_a_traceback(db, tmp_path):
    fichier = tmp_path / "fiche.toml"
    fichier.write_text('[contrat]\ncode = "x"\nnom = "Contrat"\n[[piliers]]\ncode = "1"\nordre = -1\n')
    with pytest.raises(CommandError, match="Chargement annulé, rien n’a été enregistré"):
        call_command("charger_reference", fichier=fichier)
    assert not Contrat.objects.exists()


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ("[contrat]\ncode = 'x'\nnom = 'Caf\xe9'\n".encode("latin-1"), "n’est pas encodé en UTF-8"),
        (b"[contrat\n", "n’est pas un TOML valide"),
        (b"contrat = 'x'\n", "Valeur invalide"),
    ],
)
def test_the_command_refuses_unreadable_files_in_french(db, tmp_path, contenu, message):
    fichier = tmp_path / "fiche.toml"
    fichier.write_bytes(contenu)
    with pytest.raises(CommandError, match=message):
        call_command("charger_reference", fichier=fichier)
    assert not Contrat.objects.exists()


def test_the_command_says_when_nothing_changed(reference, capsys):
    call_command("charger_reference")
    assert "rien n’a changé" in capsys.readouterr().out


def test_the_fiche_page_shows_every_bullet_in_the_seed_order(reference, client_connecte):
    html = client_connecte.get("/fiches/1.2.3/").content.decode()
    # Layout white space folds to one space; the no-break spaces of French typography stay.
    texte = re.sub(r"[ \t\n]+", " ", unescape(re.sub(r"<[^>]+>", "", html)))
    position = 0
    for section, puces in lire_sections().items():
        for puce in puces:
            trouve = texte.find(puce, position)
            assert trouve > position, f"{section} : « {puce[:50]} » absent ou hors de l’ordre"
            position = trouve
