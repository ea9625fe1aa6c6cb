from django.urls import path

from fiches.perms import formulaire, lecture

from . import views

app_name = "comptes"

urlpatterns = [
    path("mot-de-passe/oublie/", formulaire(views.MotDePasseOublie.as_view()), name="mot_de_passe_oublie"),
    path("mot-de-passe/oublie/envoye/", lecture(views.MotDePasseEnvoye.as_view()), name="mot_de_passe_envoye"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        formulaire(views.NouveauMotDePasse.as_view()),
        name="nouveau_mot_de_passe",
    ),
    path(
        "mot-de-passe/nouveau/enregistre/",
        lecture(views.MotDePasseReinitialise.as_view()),
        name="mot_de_passe_reinitialise",
    ),
    path("mot-de-passe/changer/", formulaire(views.ChangerMotDePasse.as_view()), name="changer_mot_de_passe"),
    path("mot-de-passe/change/", lecture(views.MotDePasseChange.as_view()), name="mot_de_passe_change"),
]
