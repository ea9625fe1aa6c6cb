from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("actions/", views.liste_actions, name="liste"),
    path("actions/nouvelle/", views.nouvelle_action, name="nouvelle"),
    path("actions/<int:pk>/", views.detail_action, name="detail"),
    path("actions/<int:pk>/modifier/", views.modifier_action, name="modifier"),
    path("actions/<int:pk>/archiver/", views.archiver_action, name="archiver"),
    path("actions/<int:pk>/annuler/", views.annuler_action, name="annuler"),
    path("actions/<int:pk>/supprimer/", views.supprimer_action, name="supprimer"),
    path("actions/<int:pk>/financements/ajouter/", views.ajouter_financement, name="ajouter_financement"),
    path("actions/financements/<int:pk>/modifier/", views.modifier_financement, name="modifier_financement"),
    path("actions/financements/<int:pk>/supprimer/", views.supprimer_financement, name="supprimer_financement"),
    path("actions/<int:pk>/seances/ajouter/", views.ajouter_seance, name="ajouter_seance"),
    path("actions/<int:pk>/seances/serie/", views.serie_de_seances, name="serie_seances"),
    path("actions/seances/<int:pk>/modifier/", views.modifier_seance, name="modifier_seance"),
    path("actions/seances/<int:pk>/annuler/", views.annuler_seance, name="annuler_seance"),
    path("actions/seances/<int:pk>/retablir/", views.retablir_seance, name="retablir_seance"),
    path("actions/seances/<int:pk>/supprimer/", views.supprimer_seance, name="supprimer_seance"),
    path("actions/seances/<int:pk>/presences/", views.saisir_presences, name="presences"),
    path("actions/<int:pk>/inscriptions/", views.inscrire_participants, name="inscriptions"),
    path("participants/", views.liste_participants, name="participants"),
    path("participants/nouveau/", views.nouveau_participant, name="nouveau_participant"),
    path("participants/<int:pk>/", views.detail_participant, name="participant"),
    path("participants/<int:pk>/modifier/", views.modifier_participant, name="modifier_participant"),
    path("participants/<int:pk>/export/", views.exporter_participant, name="exporter_participant"),
]
