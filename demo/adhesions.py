from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from comptes.enums import Role
from comptes.services import adhesion_definir
from partenaires.models import Partenaire, Structure

# The demo animateur works for one centre social, the partner (CAF) sees two quartiers, the
# porteur files the dossiers of an association.
STRUCTURE_DE_L_ANIMATEUR = "Centre social Les Tilleuls"
STRUCTURE_DU_PORTEUR = "Association Lire et Grandir"
QUARTIERS_DU_PARTENAIRE = ["QN09591A", "QN09592B"]


@transaction.atomic
def adhesions_de_demo(*, contrat):
    comptes = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    adhesion_definir(utilisateur=comptes["demo-admin"], contrat=contrat, role=Role.ADMINISTRATEUR)
    adhesion_definir(utilisateur=comptes["demo-chef"], contrat=contrat, role=Role.CHEF_DE_PROJET)
    centre_social = Structure.objects.get(contrat=contrat, nom=STRUCTURE_DE_L_ANIMATEUR)
    adhesion_definir(
        utilisateur=comptes["demo-animateur"], contrat=contrat, role=Role.ANIMATEUR, structures=[centre_social]
    )
    adhesion_definir(
        utilisateur=comptes["demo-partenaire"],
        contrat=contrat,
        role=Role.PARTENAIRE,
        quartiers=contrat.quartiers.filter(code__in=QUARTIERS_DU_PARTENAIRE),
        partenaire=Partenaire.objects.filter(contrat=contrat, sigle="CAF").first(),
    )
    adhesion_definir(
        utilisateur=comptes["demo-porteur"],
        contrat=contrat,
        role=Role.PORTEUR,
        structures=[Structure.objects.get(contrat=contrat, nom=STRUCTURE_DU_PORTEUR)],
    )


@transaction.atomic
def jeton_de_demo():
    """A new API token for the demo partner at each run, as its password: the demo shows the API
    as a partner's tool reads it (README, « API en lecture seule »)."""
    partenaire = get_user_model().objects.get(username="demo-partenaire")
    Token.objects.filter(user=partenaire).delete()
    return Token.objects.create(user=partenaire).key
