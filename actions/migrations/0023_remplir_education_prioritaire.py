"""Fills what 0022 added: the éducation prioritaire of each existing row of FrequentationAnnuelle,
from the child's school as it is now, the only information there is (no earlier classification
was kept). In one UPDATE, with historical models: the application's code may change since, this
migration must not. In a migration of its own, as 0020: PostgreSQL refuses to alter a table in
the transaction that updated its rows."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def remplir(apps, schema_editor):
    Participant = apps.get_model("actions", "Participant")
    FrequentationAnnuelle = apps.get_model("actions", "FrequentationAnnuelle")
    ecole = Participant.objects.filter(pk=OuterRef("participant")).values("etablissement__education_prioritaire")
    # Empty: the child has no school known.
    FrequentationAnnuelle.objects.update(education_prioritaire=Coalesce(Subquery(ecole[:1]), Value("")))

class Migration(migrations.Migration):
    dependencies = [("actions", "0022_frequentation_education_prioritaire")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop)]
