"""What the imports of the State's reference files share (quartiers.py: the national list of the
quartiers prioritaires; etablissements.py: the Education nationale's directory of schools): the
file read by lecture.py, the contract's territory the rows are kept for, the codes of communes
as the published files write them, and the command that runs an import (importer_quartiers,
importer_etablissements).

The national files are read by a command rather than a page: the directory of schools is
tens of megabytes, a volume no page takes; the limits are raised for them."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from fiches.models import Commune, Contrat
from fiches.validators import valider_code_insee

from .apercus import CREEE, INCHANGEE, MODIFIEE
from .lecture import lire_fichier, texte

TAILLE_MAX = 200 * 1024 * 1024
LIGNES_MAX = 500_000
# How an export protects a code from a spreadsheet that would drop its leading zero: ="01053".
PROTEGE = re.compile(r'^="?(.*?)"?$')
# A cell may list several communes (a quartier across two of them): « 13055;13070 ».
SEPARATEURS = re.compile(r"\s*[;,]\s*")
# A row of the territory that names something the contract does not follow (a school's
# administrative service, say): said, not written.
IGNOREE = "ignoree"
STATUTS = {CREEE: "créé", MODIFIEE: "modifié", INCHANGEE: "inchangé", IGNOREE: "ignoré"}


def code_de_commune(valeur):
    """A commune's INSEE code as the file writes it: protected (="01053"), or without its
    leading zero once a spreadsheet has read it as a number (1053)."""
    code = PROTEGE.sub(r"\1", texte(valeur)).strip().upper()
    return code.zfill(5) if code.isdigit() and len(code) == 4 else code


def codes_de_communes(valeur):
    """The INSEE codes of a cell, in order; ValueError names the first that is not one."""
    codes = [code_de_commune(partie) for partie in SEPARATEURS.split(PROTEGE.sub(r"\1", texte(valeur))) if partie]
    for code in codes:
        try:
            valider_code_insee(code)
        except ValidationError as erreur:
            raise ValueError(" ".join(erreur.messages)) from erreur
    return codes


@dataclass(frozen=True)
class Territoire:
    """Where the rows of a national file are kept: the communes (INSEE codes) and, for the
    list of quartiers, an EPCI (SIREN)."""

    contrat: object
    communes: frozenset
    epci: str = ""

    def en_clair(self):
        parties = []
        if self.communes:
            parties.append("communes " + ", ".join(sorted(self.communes)))
        if self.epci:
            parties.append(f"EPCI {self.epci}")
        return " et ".join(parties)


def territoire(*, contrat=None, communes=None, epci=""):
    """The contract (by its code, or the only one) and where its rows are kept: the communes
    named, else the EPCI named, else the contract's own communes."""
    contrats = Contrat.objects.order_by("code")
    if contrat:
        trouve = contrats.filter(code=contrat).first()
        if trouve is None:
            raise CommandError(f"Aucun contrat n’a le code « {contrat} » : {', '.join(c.code for c in contrats)}.")
    else:
        tous = list(contrats[:2])
        if len(tous) != 1:
            raise CommandError(
                "Choisissez le contrat avec --contrat : " + (", ".join(c.code for c in contrats) or "aucun contrat")
            )
        trouve = tous[0]
    if communes:
        try:
            codes = frozenset(codes_de_communes(communes))
        except ValueError as erreur:
            raise CommandError(f"--communes : {erreur}") from erreur
    elif epci:
        codes = frozenset()
    else:
        codes = frozenset(trouve.communes.values_list("code_insee", flat=True))
        if not codes:
            raise CommandError(
                f"Le contrat « {trouve.code} » ne nomme aucune commune : nommez-les avec --communes "
                "(codes INSEE) ou l’EPCI avec --epci (SIREN)."
            )
    return Territoire(trouve, codes, epci.strip())


def communes_connues(codes):
    return Commune.objects.in_bulk(codes, field_name="code_insee")


def lancer(commande, *, fichier, territoire, analyser, ecrire, appliquer):
    """Read the file, show what the import does row by row, and write it with --appliquer, all
    in one transaction: nothing is written while an error remains, nor by a dry run."""
    try:
        contenu = fichier.read_bytes()
    except OSError as erreur:
        raise CommandError(f"Fichier illisible : {fichier} ({erreur.strerror}).") from None
    try:
        tableau = lire_fichier(contenu=contenu, nom=fichier.name, taille_max=TAILLE_MAX, lignes_max=LIGNES_MAX)
    except ValidationError as erreur:
        raise CommandError(" ".join(erreur.messages)) from None
    sortie = commande.stdout
    with transaction.atomic():
        apercu = analyser(tableau=tableau, territoire=territoire)
        sortie.write(f"Contrat « {territoire.contrat.code} », {territoire.en_clair()}.")
        for ligne in apercu.lignes:
            detail = f" : {ligne.detail}" if ligne.detail else ""
            sortie.write(f"Ligne {ligne.ligne} : {ligne.objet} {STATUTS.get(ligne.statut, ligne.statut)}{detail}")
        for objet in apercu.absents:
            sortie.write(f"Absent du fichier, gardé : {objet}")
        sortie.write(
            f"{apercu.nb_crees} créé(s), {apercu.nb_modifies} modifié(s), {apercu.nb_inchanges} inchangé(s), "
            f"{apercu.nombre(IGNOREE)} ignoré(s), {len(apercu.absents)} absent(s) du fichier gardé(s), "
            f"{apercu.hors_territoire} ligne(s) hors du territoire."
        )
        if apercu.erreurs:
            for erreur in apercu.erreurs:
                sortie.write(
                    f"Erreur ligne {erreur.ligne}, colonne « {erreur.colonne} »"
                    + (f" (« {erreur.valeur} »)" if erreur.valeur else "")
                    + f" : {erreur.raison}."
                )
            raise CommandError(f"{len(apercu.erreurs)} erreur(s) : rien n’a été écrit. Corrigez le fichier.")
        if not appliquer:
            sortie.write("Simulation : rien n’a été écrit. Relancez avec --appliquer pour écrire.")
            return
        if apercu.nb_crees or apercu.nb_modifies:
            try:
                ecrire(apercu=apercu, territoire=territoire)
            except ValidationError as erreur:
                # What changed since the file was read (another import meanwhile): said, not a trace.
                raise CommandError("Rien n’a été écrit : " + " ".join(erreur.messages)) from None
        sortie.write(commande.style.SUCCESS("Écrit." if apercu.nb_crees or apercu.nb_modifies else "Rien à écrire."))
