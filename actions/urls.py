from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("actions/", views.liste_actions, name="liste"),
    path("actions/nouvelle/", views.nouvelle_action, name="nouvelle"),
    path("actions/export/", views.exporter_liste, {"liste": "actions"}, name="export_actions"),
    path("actions/financements/export/", views.exporter_liste, {"liste": "financements"}, name="export_financements"),
    path("actions/seances/export/", views.exporter_liste, {"liste": "seances"}, name="export_seances"),
    path("actions/<id:pk>/seances/export/", views.exporter_seances_action, name="export_seances_action"),
    path("actions/<id:pk>/presences/export/", views.exporter_presences, name="export_presences"),
    path("actions/<id:pk>/", views.detail_action, name="detail"),
    path("actions/<id:pk>/modifier/", views.modifier_action, name="modifier"),
    path("actions/<id:pk>/archiver/", views.archiver_action, name="archiver"),
    path("actions/<id:pk>/annuler/", views.annuler_action, name="annuler"),
    path("actions/<id:pk>/supprimer/", views.supprimer_action, name="supprimer"),
    path("actions/<id:pk>/financements/ajouter/", views.ajouter_financement, name="ajouter_financement"),
    path("actions/financements/<id:pk>/modifier/", views.modifier_financement, name="modifier_financement"),
    path("actions/financements/<id:pk>/supprimer/", views.supprimer_financement, name="supprimer_financement"),
    path("actions/<id:pk>/seances/ajouter/", views.ajouter_seance, name="ajouter_seance"),
    path("actions/<id:pk>/seances/serie/", views.serie_de_seances, name="serie_seances"),
    path("actions/seances/<id:pk>/modifier/", views.modifier_seance, name="modifier_seance"),
    path("actions/seances/<id:pk>/annuler/", views.annuler_seance, name="annuler_seance"),
    path("actions/seances/<id:pk>/retablir/", views.retablir_seance, name="retablir_seance"),
    path("actions/seances/<id:pk>/supprimer/", views.supprimer_seance, name="supprimer_seance"),
    path("actions/seances/<id:pk>/presences/", views.saisir_presences, name="presences"),
    path("actions/<id:pk>/presences/", views.presences_du_mois, name="presences_du_mois"),
    path("actions/<id:pk>/inscriptions/", views.inscrire_participants, name="inscriptions"),
    path("actions/<id:pk>/questionnaires/", views.questionnaires_de_l_action, name="questionnaires"),
    path(
        "actions/<id:pk>/questionnaires/<str:moment>/grille/",
        views.grille_de_questionnaires,
        name="grille_questionnaires",
    ),
    path(
        "actions/<id:pk>/questionnaires/<str:moment>/feuilles/",
        views.feuilles_de_questionnaire,
        name="feuilles_questionnaire",
    ),
    path(
        "actions/<id:pk>/questionnaires/<str:moment>/tablette/<id:enfant>/",
        views.questionnaire_sur_tablette,
        name="questionnaire_tablette",
    ),
    path("actions/<id:pk>/questionnaires/merci/", views.questionnaire_merci, name="questionnaire_merci"),
    path("participants/", views.liste_participants, name="participants"),
    path("participants/export/", views.exporter_participants, name="export_participants"),
    path("participants/nouveau/", views.nouveau_participant, name="nouveau_participant"),
    path("participants/<id:pk>/", views.detail_participant, name="participant"),
    path("participants/<id:pk>/modifier/", views.modifier_participant, name="modifier_participant"),
    path("participants/<id:pk>/export/", views.exporter_participant, name="exporter_participant"),
]
