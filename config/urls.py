from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_POST

from comptes.forms import FormulaireConnexion
from fiches.perms import formulaire

from .views import introuvable, sante

handler404 = introuvable

urlpatterns = [
    path("", include("accueil.urls")),
    # Class-based views answer more methods than they handle (a form PUT as POST): each is held
    # to its own, as every view of the apps is (fiches.perms).
    path(
        "connexion/",
        formulaire(
            auth_views.LoginView.as_view(
                template_name="connexion.html",
                authentication_form=FormulaireConnexion,
                redirect_authenticated_user=True,
            )
        ),
        name="connexion",
    ),
    path("deconnexion/", require_POST(auth_views.LogoutView.as_view()), name="deconnexion"),
    path("", include("comptes.urls")),
    path("sante/", sante, name="sante"),
    path("fiches/", include("fiches.urls")),
    path("partenaires/", include("partenaires.urls")),
    path("indicateurs/", include("indicateurs.urls")),
    path("", include("actions.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("imports/", include("imports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
