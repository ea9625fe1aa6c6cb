"""The questionnaire's data file, read and checked without the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from actions.questionnaires import DOSSIER, lire_questionnaire, questionnaire

FICHIER = (DOSSIER / "envie-d-ecole-v1.toml").read_text(encoding="utf-8")


def _ecrire(tmp_path, texte, nom="envie-d-ecole-v1.toml"):
    chemin = tmp_path / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_le_fichier_livre_a_une_forme_par_public_de_6_a_8_phrases():
    q = questionnaire()
    assert q.version == 1
    assert [forme.public for forme in q.formes] == ["elementaire", "college"]
    assert all(6 <= len(forme.items) <= 8 for forme in q.formes)
    assert [reponse.valeur for reponse in q.echelle] == [1, 2, 3, 4]
    assert q.forme_du_niveau("CE1").public == "elementaire"
    assert q.forme_du_niveau("4E").public == "college"
    assert q.forme_du_niveau("GS") is None


def test_le_score_est_la_moyenne_les_phrases_negatives_inversees():
    q = questionnaire()
    forme = q.forme("elementaire")
    # 7 phrases, deux en négatif (peur_erreur, ennui) : tout à 4 donne 5 × 4 + 2 × 1 = 22, / 7.
    tout_a_4 = {item.code: 4 for item in forme.items}
    assert q.score(forme, tout_a_4) == Decimal("3.143")
    # Le meilleur score : 4 aux phrases positives, 1 aux négatives.
    meilleur = {item.code: 1 if item.inverse else 4 for item in forme.items}
    assert q.score(forme, meilleur) == Decimal("4.000")
    assert q.score(forme, {item.code: 4 if item.inverse else 1 for item in forme.items}) == Decimal("1.000")


def test_une_reponse_manquante_ou_hors_echelle_est_refusee_a_sa_phrase():
    q = questionnaire()
    forme = q.forme("college")
    reponses = {item.code: 3 for item in forme.items}
    assert q.refus(forme, reponses) == {}
    del reponses["capable"]
    reponses["projet"] = 5
    reponses["intrus"] = 2
    refus = q.refus(forme, reponses)
    assert refus["capable"] == "Choisissez une réponse."
    assert refus["projet"] == "Réponse inconnue : 5."
    assert "intrus" in refus["__all__"]


def test_une_version_inconnue_est_refusee():
    with pytest.raises(ValidationError, match="version 9"):
        questionnaire(9)


@pytest.mark.parametrize(
    ("avant", "apres", "message"),
    [
        ("version = 1", "version = 2", "-v2.toml"),
        ('pictogramme = "triste"', 'pictogramme = "soleil"', "pictogramme inconnu"),
        ('calcul = "moyenne"', 'calcul = "mediane"', "moyenne"),
        ('niveaux = ["6E", "5E", "4E", "3E"]', 'niveaux = ["6E", "CM2"]', "le niveau apparaît deux fois"),
        ('code = "capable"\ntexte = "Je me sens', 'code = "aime_college"\ntexte = "Je me sens', "la phrase"),
        ("valeur = 3", "valeur = 7", "1, 2, 3"),
    ],
)
def test_un_fichier_incoherent_est_refuse_en_nommant_la_faute(tmp_path, avant, apres, message):
    assert avant in FICHIER
    with pytest.raises(ValidationError, match=message):
        lire_questionnaire(_ecrire(tmp_path, FICHIER.replace(avant, apres, 1)))


def test_une_adaptation_est_une_nouvelle_version_a_cote_de_l_ancienne(tmp_path):
    _ecrire(tmp_path, FICHIER)
    _ecrire(tmp_path, FICHIER.replace("version = 1", "version = 2"), "envie-d-ecole-v2.toml")
    assert questionnaire(dossier=tmp_path).version == 2
    assert questionnaire(1, dossier=tmp_path).version == 1
