from django.urls import path

from . import views

app_name = "comptes"

urlpatterns = [
    path("mot-de-passe/oublie/", views.MotDePasseOublie.as_view(), name="mot_de_passe_oublie"),
    path("mot-de-passe/oublie/envoye/", views.MotDePasseEnvoye.as_view(), name="mot_de_passe_envoye"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", views.NouveauMotDePasse.as_view(), name="nouveau_mot_de_passe"),
    path(
        "mot-de-passe/nouveau/enregistre/",
        views.MotDePasseReinitialise.as_view(),
        name="mot_de_passe_reinitialise",
    ),
    path("mot-de-passe/changer/", views.ChangerMotDePasse.as_view(), name="changer_mot_de_passe"),
    path("mot-de-passe/change/", views.MotDePasseChange.as_view(), name="mot_de_passe_change"),
]
