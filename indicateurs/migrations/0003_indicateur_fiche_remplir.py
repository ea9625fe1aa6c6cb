"""Each indicator gets the fiche of the statement it measures (0002 added the column), and its
code is made unique within that fiche. A code given twice in one fiche (under two of its
statements, which the former constraint allowed) keeps the first indicator; the others get their
id appended, so that no figure is lost and an administrator can rename them. In a migration of
its own: PostgreSQL creates the new column's index at the end of 0002, which it refuses on a
table with rows just written."""

from django.db import migrations


def remplir(apps, schema_editor):
    Indicateur = apps.get_model("indicateurs", "Indicateur")
    HistoricalIndicateur = apps.get_model("indicateurs", "HistoricalIndicateur")
    EnonceIndicateur = apps.get_model("fiches", "EnonceIndicateur")
    fiches = dict(EnonceIndicateur.objects.values_list("pk", "fiche_id"))
    vus = set()
    for indicateur in Indicateur.objects.order_by("pk"):
        indicateur.fiche_id = fiches[indicateur.enonce_id]
        if (indicateur.fiche_id, indicateur.code) in vus:
            indicateur.code = f"{indicateur.code[:30]}-{indicateur.pk}"
        vus.add((indicateur.fiche_id, indicateur.code))
        indicateur.save(update_fields=["fiche", "code"])
    for ligne in HistoricalIndicateur.objects.filter(enonce_id__in=fiches):
        ligne.fiche_id = fiches[ligne.enonce_id]
        ligne.save(update_fields=["fiche"])


class Migration(migrations.Migration):
    dependencies = [("indicateurs", "0002_indicateur_fiche")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop, elidable=True)]
