"""The one receiver that touches the summaries, and why it is one.

A quartier is deleted only in the admin (fiches.admin.QuartierAdmin), and fiches sits below
actions: its admin cannot call a service of actions. The deletion takes the quartier's rows of
FrequentationAnnuelle along (a foreign key, by cascade) but not its counters in EffectifAnnuel,
whose perimeter is a plain number: this receiver removes them. Every other write that changes a
summary goes through a service of actions.services, which updates it explicitly."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .resumes import oublier_le_quartier


@receiver(post_delete, sender="fiches.Quartier")
def quartier_supprime(sender, instance, **kwargs):
    oublier_le_quartier(quartier=instance.pk)
