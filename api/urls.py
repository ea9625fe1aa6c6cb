from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"


def publique(vue):
    """The API answers the public itself (published years, api.acces) and authenticates tokens,
    which the login wall of the pages knows nothing of."""
    return login_not_required(vue.as_view())


urlpatterns = [
    path("v1/contrats/<slug:contrat>/", publique(views.ContratVue), name="contrat"),
    path("v1/contrats/<slug:contrat>/annees/", publique(views.AnneesVue), name="annees"),
    path("v1/contrats/<slug:contrat>/fiches/", publique(views.FichesVue), name="fiches"),
    path("v1/contrats/<slug:contrat>/fiches/<str:fiche>/", publique(views.FicheVue), name="fiche"),
    path("v1/contrats/<slug:contrat>/indicateurs/", publique(views.IndicateursVue), name="indicateurs"),
    path("v1/contrats/<slug:contrat>/quartiers/", publique(views.QuartiersVue), name="quartiers"),
    path("v1/contrats/<slug:contrat>/valeurs/", publique(views.ValeursVue), name="valeurs"),
    path("schema/", login_not_required(SpectacularAPIView.as_view(http_method_names=["get", "head"])), name="schema"),
    path(
        "documentation/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/documentation.html", http_method_names=["get", "head"]
            )
        ),
        name="documentation",
    ),
]
