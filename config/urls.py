from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from comptes.forms import FormulaireConnexion

from .views import sante

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="fiches:liste", permanent=False), name="accueil"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="connexion.html", authentication_form=FormulaireConnexion, redirect_authenticated_user=True
        ),
        name="connexion",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("", include("comptes.urls")),
    path("sante/", sante, name="sante"),
    path("fiches/", include("fiches.urls")),
    path("partenaires/", include("partenaires.urls")),
    path("indicateurs/", include("indicateurs.urls")),
    path("", include("actions.urls")),
    path("admin/", admin.site.urls),
]
