import pytest
from django.core.exceptions import ValidationError

from fiches.validators import lettre_cle_uai, valider_code_insee, valider_code_qpv, valider_uai


@pytest.mark.parametrize("uai", ["0751234J", "0010856A", "0693456G", "9710001" + lettre_cle_uai("9710001")])
def test_valid_uai_codes_pass(uai):
    valider_uai(uai)


def test_corsican_uai_codes_use_620_and_720():
    valider_uai("6200001" + lettre_cle_uai("6200001"))
    valider_uai("7200001" + lettre_cle_uai("7200001"))


@pytest.mark.parametrize("uai", ["075123J", "07512345", "0751234j", "0961234A", "0001234A", "", "ABCDEFGH"])
def test_malformed_uai_codes_are_refused_with_an_example(uai):
    with pytest.raises(ValidationError, match="n’est pas un code UAI") as erreur:
        valider_uai(uai)
    assert erreur.value.code == "uai_format"


def test_a_wrong_check_letter_names_the_right_one():
    with pytest.raises(ValidationError) as erreur:
        valider_uai("0751234K")
    assert erreur.value.code == "uai_cle"
    assert "elle doit être J" in erreur.value.messages[0]


@pytest.mark.parametrize("code", ["QN07511M", "QN02A01B", "QN97401Z", "QP075001", "QP02B003", "QP974012"])
def test_qpv_codes_of_both_generations_pass(code):
    valider_code_qpv(code)


@pytest.mark.parametrize(
    "code",
    [
        "QN0751M",  # one digit short
        "QN075111",  # no letter at the end (2024)
        "QN07511m",  # lower case letter
        "QN09611A",  # département 096 does not exist
        "QN02011A",  # nor does 020
        "QP07500A",  # a letter in a 2015 code
        "QX075001",  # unknown prefix
        "075001",
        "",
    ],
)
def test_malformed_qpv_codes_are_refused(code):
    with pytest.raises(ValidationError, match="n’est pas un code de quartier prioritaire"):
        valider_code_qpv(code)


@pytest.mark.parametrize("code", ["75056", "2A004", "97411"])
def test_insee_codes_pass(code):
    valider_code_insee(code)


@pytest.mark.parametrize("code", ["7505", "2C004", "750561"])
def test_malformed_insee_codes_are_refused(code):
    with pytest.raises(ValidationError, match="n’est pas un code commune INSEE"):
        valider_code_insee(code)
