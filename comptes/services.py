from datetime import timedelta

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from fiches.models import PARTAGE

from .enums import Role
from .models import Adhesion, DemandeDeReinitialisation


@transaction.atomic
def adhesion_definir(*, utilisateur, contrat, role, structures=(), quartiers=(), partenaire=None):
    """Give a user their role in a contract. The role's group carries its admin permissions and
    only administrators get the staff flag, so the membership is the one place a role is set."""
    adhesion, _ = Adhesion.objects.update_or_create(
        utilisateur=utilisateur, contrat=contrat, defaults={"role": role, "partenaire": partenaire}
    )
    adhesion.structures.set(structures)
    adhesion.quartiers.set(quartiers)
    utilisateur.groups.set([Group.objects.get(name=Role(role).label)])
    utilisateur.is_staff = role == Role.ADMINISTRATEUR
    utilisateur.save(update_fields=["is_staff"])
    return adhesion


# What each role may do in the Django admin. Only administrators reach the admin; the other
# roles work in the application's own pages. Administrators manage accounts but not the roles'
# permissions, and cannot make anyone a superuser (see UtilisateurAdmin).
APPLICATIONS_DE_REFERENCE = {"fiches", "partenaires", "comptes", "indicateurs"}
PERMISSIONS_COMPTES = {"view_user", "add_user", "change_user", "view_group"}
# Administrators unlock an account blocked after failed logins by deleting its attempts.
PERMISSIONS_CONNEXIONS = {"view_accessattempt", "delete_accessattempt", "view_accesslog", "view_accessfailurelog"}
# The API's tokens (api.admin): an administrator gives one to an account of their contract, and
# revokes it; a token is never edited, only replaced.
PERMISSIONS_JETONS = {"view_tokenproxy", "add_tokenproxy", "delete_tokenproxy"}


def _ecritures_reservees():
    """What an administrator may read but only a superuser writes: what every contract shares
    (changing a dispositif or a commune would change the other contracts' fiches), and the
    contracts themselves, which their administrator neither creates (they would not administer
    the new one) nor deletes (with every record of it). The closures of school years are a chef's
    to make, from the dashboards, and stay with their history: the admin only reopens them."""
    reservees = Q(content_type__app_label="fiches", content_type__model__in=["contrat", "clotureannee"]) & (
        Q(codename__startswith="add_") | Q(codename__startswith="delete_")
    )
    for label in APPLICATIONS_DE_REFERENCE:
        for modele in apps.get_app_config(label).get_models():
            if getattr(modele, "chemin_du_contrat", "") is PARTAGE:
                reservees |= Q(content_type__app_label=label, content_type__model=modele._meta.model_name) & ~Q(
                    codename__startswith="view_"
                )
    return reservees


@transaction.atomic
def roles_synchroniser():
    """One group per role, with the admin permissions of that role; safe to run after every migrate."""
    for role in Role:
        groupe, _ = Group.objects.get_or_create(name=role.label)
        if role == Role.ADMINISTRATEUR:
            groupe.permissions.set(
                Permission.objects.filter(content_type__app_label__in=APPLICATIONS_DE_REFERENCE).exclude(
                    _ecritures_reservees()
                )
                | Permission.objects.filter(content_type__app_label="auth", codename__in=PERMISSIONS_COMPTES)
                | Permission.objects.filter(content_type__app_label="axes", codename__in=PERMISSIONS_CONNEXIONS)
                | Permission.objects.filter(content_type__app_label="authtoken", codename__in=PERMISSIONS_JETONS)
            )
        else:
            groupe.permissions.clear()


# Password reset requests: each sends an e-mail. Per hour, a few for one e-mail (a person who
# did not get the message asks again) and more for one address (a city hall's offices share one).
DEMANDES_PAR_COURRIEL = 3
DEMANDES_PAR_ADRESSE = 10
FENETRE_DES_DEMANDES = timedelta(hours=1)


def _empreinte(valeur):
    return salted_hmac("comptes.reinitialisation", valeur, algorithm="sha256").hexdigest()


@transaction.atomic
def accepter_demande_de_reinitialisation(*, adresse, courriel):
    """Count a password reset request and say whether to serve it. The same count runs whether
    an account has this e-mail or not, so that a refusal tells nothing of who has an account; a
    refused request is not counted, so that the refusal ends an hour after the requests served."""
    maintenant = timezone.now()
    DemandeDeReinitialisation.objects.filter(demandee_le__lt=maintenant - FENETRE_DES_DEMANDES).delete()
    demande = DemandeDeReinitialisation(
        adresse=_empreinte(adresse or ""), courriel=_empreinte(courriel.strip().lower())
    )
    recentes = DemandeDeReinitialisation.objects.filter(demandee_le__gte=maintenant - FENETRE_DES_DEMANDES)
    if (
        recentes.filter(courriel=demande.courriel).count() >= DEMANDES_PAR_COURRIEL
        or recentes.filter(adresse=demande.adresse).count() >= DEMANDES_PAR_ADRESSE
    ):
        return False
    demande.save()
    return True
