from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from .models import Adhesion


def comptes_administrables(comptes, *, contrats):
    """The accounts an administrator of these contracts may act on in the admin (password,
    e-mail, username, activation, memberships): none that can do more than them. Acting on an
    account is acting as it (a new password or e-mail opens it), so a superuser, an account given
    permissions of its own by a superuser, or a member of a contract the administrator does not
    administer stays out of their reach, as if it did not exist. Accounts without any membership
    stay within reach: they can do nothing yet, and a new account is given its membership there."""
    utilisateur = get_user_model()
    ailleurs = Adhesion.objects.filter(utilisateur=OuterRef("pk")).exclude(contrat__in=contrats)
    permissions_propres = utilisateur.user_permissions.through.objects.filter(user=OuterRef("pk"))
    return comptes.filter(is_superuser=False).exclude(Exists(ailleurs)).exclude(Exists(permissions_propres))
