"""The API's tokens in the admin, one per account: an administrator creates one for an account of
their contract (a partner's, typically) and revokes it by deleting it. Scoped as the accounts
are (comptes.admin): a token is acting as its account, so an administrator reaches the tokens of
the accounts they may act on, and no other."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from comptes.admin import DesComptesAdministrables
from comptes.selectors import comptes_administrables
from fiches.administration import tout_administrer

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class JetonAdmin(DesComptesAdministrables, TokenAdmin):
    def restreindre(self, queryset, request):
        if tout_administrer(request):
            return queryset
        comptes = comptes_administrables(
            get_user_model().objects.all(), contrats=request.perimetre.contrats_administres
        )
        return queryset.filter(user__in=comptes)

    def dans_le_perimetre(self, request, objet):
        # The proxy's pk is its account's id (the admin's addresses name the account), not its key.
        if tout_administrer(request) or objet is None:
            return True
        return self.restreindre(TokenProxy.objects.filter(user=objet.user_id), request).exists()
