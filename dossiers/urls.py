from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("campagnes/", views.liste_campagnes, name="campagnes"),
    path("campagnes/nouvelle/", views.nouvelle_campagne, name="nouvelle_campagne"),
    path("campagnes/<id:pk>/", views.detail_campagne, name="campagne"),
    path("campagnes/<id:pk>/modifier/", views.modifier_campagne, name="modifier_campagne"),
    path("campagnes/<id:campagne>/deposer/", views.nouveau_dossier, name="nouveau"),
    path("financements/", views.financements, name="financements"),
    path("financements.csv", views.exporter_financements, {"extension": "csv"}, name="financements_csv"),
    path("financements.xlsx", views.exporter_financements, {"extension": "xlsx"}, name="financements_xlsx"),
    path("", views.liste_dossiers, name="liste"),
    path("<id:pk>/", views.detail_dossier, name="detail"),
    path("<id:pk>/modifier/", views.modifier_dossier, name="modifier"),
    path("<id:pk>/bilan/", views.bilan, name="bilan"),
    path("<id:pk>/bilan/modifier/", views.modifier_bilan, name="modifier_bilan"),
]
