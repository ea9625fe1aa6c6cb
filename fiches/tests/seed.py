"""Reads the signed fiche as received (donnees/source), independently of the TOML the loader uses,
so that a transcription error in the TOML shows up as a difference."""

from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "donnees" / "source" / "fiche-1.2.3.txt"

# Headings of the document, as they open a section, mapped to the section's name.
TITRES = {
    "Contexte": "contexte",
    "Objectifs et dynamiques": "objectifs",
    "Réalisations attendues": "realisations",
    "[bookmark: _GoBack]Effets attendus": "effets",
    "Echelle\u00a0Territoriale": "echelle_territoriale",
    "Animateur": "animateur",
    "Partenaires mobilisables (dont habitants)": "partenaires_dispositifs",
    "Financements mobilisables": "financements",
    "Calendrier": "calendrier",
    "indicateurs de réalisation": "indicateurs_realisation",
    "Indicateurs d’effets": "indicateurs_effet",
    "Liens autres enjeux / fiches «\u00a0orientations opérationnelles\u00a0»": "liens",
}


def lire_sections():
    """Section name -> its bullets in order, text kept as written (outer white space removed)."""
    sections, courante = {}, None
    for ligne in SOURCE.read_text(encoding="utf-8").splitlines():
        texte = ligne.strip(" \t")
        if texte in TITRES:
            courante = TITRES[texte]
            sections[courante] = []
        elif texte.startswith("· ") and courante:
            sections[courante].append(texte[2:])
    return sections


def lire_entete():
    lignes = SOURCE.read_text(encoding="utf-8").splitlines()
    return {
        "code": lignes[0].removeprefix("FICHE "),
        "titre": lignes[1],
        "pilier": lignes[3].strip().removeprefix("Pilier "),
        "axe": lignes[4].strip().removeprefix("Axe\u00a0"),
        "enjeu": lignes[5].strip().split("\u00a0:\u00a0", 1)[1],
    }
