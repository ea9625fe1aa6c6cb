"""The public bilan of each published school year: no login (indicateurs.bilan)."""

from django.urls import path

from . import views

app_name = "bilan"

urlpatterns = [
    path("", views.bilans_publics, name="index"),
    path("<slug:contrat>/<str:annee>/", views.bilan_contrat, name="contrat"),
    path("<slug:contrat>/<str:annee>/quartiers/<str:code>/", views.bilan_quartier, name="quartier"),
    path("<slug:contrat>/<str:annee>/fiches/<str:fiche>/export.csv", views.bilan_csv, name="export_csv"),
    path("<slug:contrat>/<str:annee>/rapport.pdf", views.bilan_pdf, name="rapport"),
]
