"""A token per account (rest_framework.authtoken: one per user, created and revoked by an
administrator in the admin). A token opens what its account's login would: the same refusals
(an inactive account, a demo account outside a demo) and the same scope, `request.perimetre`,
read from its user as comptes.perimetre.PerimetreMiddleware does for a session."""

from django.utils.functional import SimpleLazyObject
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from comptes.auth import ComptesReelsBackend
from comptes.perimetre import perimetre_de


class JetonAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        utilisateur, jeton = super().authenticate_credentials(key)
        if not ComptesReelsBackend().user_can_authenticate(utilisateur):
            raise exceptions.AuthenticationFailed("Ce compte ne peut pas se connecter ici.")
        return utilisateur, jeton

    def authenticate(self, request):
        resultat = super().authenticate(request)
        if resultat is not None:
            utilisateur = resultat[0]
            # The middleware ran before DRF knew the user: the scope it set was the anonymous one.
            request._request.perimetre = SimpleLazyObject(lambda: perimetre_de(utilisateur))
        return resultat
