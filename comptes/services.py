from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .enums import Role
from .models import Adhesion


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


@transaction.atomic
def roles_synchroniser():
    """One group per role, with the admin permissions of that role; safe to run after every migrate."""
    for role in Role:
        groupe, _ = Group.objects.get_or_create(name=role.label)
        if role == Role.ADMINISTRATEUR:
            groupe.permissions.set(
                Permission.objects.filter(content_type__app_label__in=APPLICATIONS_DE_REFERENCE)
                | Permission.objects.filter(content_type__app_label="auth", codename__in=PERMISSIONS_COMPTES)
                | Permission.objects.filter(content_type__app_label="axes", codename__in=PERMISSIONS_CONNEXIONS)
            )
        else:
            groupe.permissions.clear()
