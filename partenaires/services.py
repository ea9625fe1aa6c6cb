"""Writes of the partners, kinds of acteurs, dispositifs and funding sources."""

from django.db import transaction

from fiches.models import Contrat
from fiches.services import chercher, par_cle, synchroniser, synchroniser_m2m, verifier

from .models import Dispositif, Etablissement, Partenaire, SourceFinancement, TypeStructure


def partenaires_charger(*, bilan, donnees, contrat, fiches):
    """Load the reference file's partners, kinds of acteurs, dispositifs and funding sources,
    then link each fiche (by code, as `fiches.services.contrat_charger` returns them) to those
    it names. Runs inside the caller's transaction."""
    partenaires = {
        p["nom"]: synchroniser(
            bilan,
            Partenaire,
            {"contrat": contrat, "nom": p["nom"]},
            {"sigle": p.get("sigle", ""), "type": p["type"], "description": p.get("description", "")},
        )
        for p in par_cle(donnees.get("partenaires", []), "nom", "Le partenaire")
    }
    types_acteurs = {
        t["libelle"]: synchroniser(
            bilan,
            TypeStructure,
            {"libelle": t["libelle"]},
            {"description": t.get("description", ""), "scolaire": t.get("scolaire", False), "ordre": t.get("ordre", 0)},
        )
        for t in par_cle(donnees.get("types_acteurs", []), "libelle", "Le type d’acteur")
    }
    dispositifs = {
        d["code"]: synchroniser(
            bilan,
            Dispositif,
            {"code": d["code"]},
            {
                "sigle": d.get("sigle", ""),
                "nom": d["nom"],
                "description": d.get("description", ""),
                "pilote": d.get("pilote", ""),
                "ordre": d.get("ordre", 0),
            },
        )
        for d in par_cle(donnees.get("dispositifs", []), "code", "Le dispositif")
    }
    sources = {
        s["libelle"]: synchroniser(
            bilan,
            SourceFinancement,
            {"contrat": contrat, "libelle": s["libelle"]},
            {
                "categorie": s["categorie"],
                "financeur": chercher(partenaires, s["financeur"], "Le partenaire") if s.get("financeur") else None,
                "ordre": s.get("ordre", 0),
            },
        )
        for s in par_cle(donnees.get("sources_financement", []), "libelle", "La source de financement")
    }
    for fiche, f in fiches.values():
        if not bilan.a_charger(fiche):
            continue
        for nom_champ, table, libelle in [
            ("partenaires", partenaires, "Le partenaire"),
            ("types_acteurs", types_acteurs, "Le type d’acteur"),
            ("dispositifs", dispositifs, "Le dispositif"),
            ("sources_financement", sources, "La source de financement"),
        ]:
            synchroniser_m2m(bilan, fiche, nom_champ, [chercher(table, cle, libelle) for cle in f.get(nom_champ, [])])


@transaction.atomic
def etablissements_importer(*, contrat, lignes, raison):
    """Create or update the contract's schools from the Education nationale's directory: each of
    `lignes` is {"etablissement": the existing one or None, "uai", "nom", "type",
    "education_prioritaire", "commune"}. A school's quartier is the contract's choice, not the
    directory's: it is kept. Nothing is deleted: a school the directory no longer lists may
    still be the school of children. `raison` goes into each history row written."""
    Contrat.objects.select_for_update().filter(pk=contrat.pk).values_list("pk").get()
    for ligne in lignes:
        etablissement = ligne["etablissement"] or Etablissement(contrat=contrat, uai=ligne["uai"])
        for champ in ("nom", "type", "education_prioritaire", "commune"):
            setattr(etablissement, champ, ligne[champ])
        verifier(etablissement)
        etablissement._change_reason = raison
        etablissement.save()
