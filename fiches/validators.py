"""Official French codes: validated on entry so a typo never becomes a second quartier or school."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# Département as written on three characters: 001 to 095 (there is no 020), Corsica 02A and
# 02B, overseas 971 to 976.
DEPARTEMENT = r"(?:0(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])|97[1-6])"
QPV_2024 = re.compile(rf"QN{DEPARTEMENT}\d{{2}}[A-Z]")
QPV_2015 = re.compile(rf"QP{DEPARTEMENT}\d{{3}}")
# In the UAI the département is numeric: Corsica is 620 (2A) and 720 (2B), overseas 97x/98x.
UAI = re.compile(r"(?:0(?:0[1-9]|[1-8]\d|9[0-5])|620|720|97[1-8]|98[4-9])\d{4}[A-Z]")
UAI_LETTRES = "ABCDEFGHJKLMNPRSTUVWXYZ"
CODE_INSEE = re.compile(r"(?:\d{2}|2[AB])\d{3}")


def lettre_cle_uai(chiffres):
    """The UAI check letter: the seven digits modulo 23, in an alphabet without I, O and Q."""
    return UAI_LETTRES[int(chiffres) % 23]


def valider_uai(valeur):
    if not UAI.fullmatch(valeur or ""):
        raise ValidationError(
            "« %(valeur)s » n’est pas un code UAI : il faut 7 chiffres (dont le département) "
            "suivis d’une lettre majuscule, par exemple 0751234J.",
            code="uai_format",
            params={"valeur": valeur},
        )
    attendue = lettre_cle_uai(valeur[:7])
    if valeur[7] != attendue:
        raise ValidationError(
            "La lettre clé du code UAI %(valeur)s est fausse : pour %(chiffres)s, "
            "elle doit être %(attendue)s. Vérifiez le code dans l’annuaire de l’Éducation nationale.",
            code="uai_cle",
            params={"valeur": valeur, "chiffres": valeur[:7], "attendue": attendue},
        )


def valider_code_qpv(valeur):
    if not (QPV_2024.fullmatch(valeur or "") or QPV_2015.fullmatch(valeur or "")):
        raise ValidationError(
            "« %(valeur)s » n’est pas un code de quartier prioritaire : attendu QN suivi du "
            "département sur 3 caractères, de 2 chiffres et d’une lettre (génération 2024, "
            "ex. QN07511M), ou QP suivi de 6 caractères (génération 2015, ex. QP075001).",
            code="qpv_format",
            params={"valeur": valeur},
        )


def valider_code_insee(valeur):
    if not CODE_INSEE.fullmatch(valeur or ""):
        raise ValidationError(
            "« %(valeur)s » n’est pas un code commune INSEE : 5 caractères, ex. 75056 ou 2A004.",
            code="insee_format",
            params={"valeur": valeur},
        )


# Codes of the contract's structure (1, T, 1.2, T.1, 1.2.3, R1, IE2): they appear in URLs and anchors.
valider_code_de_structure = RegexValidator(
    r"^[0-9A-Z]+(\.[0-9A-Z]+)*$",
    "Code attendu : chiffres ou majuscules, séparés par des points (ex. 1.2.3, T.1, R1).",
    code="code_format",
)
