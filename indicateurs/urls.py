from django.urls import path

from . import views

app_name = "indicateurs"

urlpatterns = [
    path("", views.tableaux, name="tableau"),
    path("fiches/<str:fiche>/", views.tableau_fiche, name="fiche"),
    path("fiches/<str:fiche>/quartiers/<str:code>/", views.tableau_quartier, name="quartier"),
    path("fiches/<str:fiche>/definitions/<slug:code>/", views.definition, name="definition"),
    path("export.csv", views.exporter, {"extension": "csv"}, name="export_csv"),
    path("export.xlsx", views.exporter, {"extension": "xlsx"}, name="export_xlsx"),
    path("valeurs/", views.valeurs_externes, name="valeurs"),
    path("valeurs/<id:pk>/modifier/", views.modifier_valeur, name="modifier_valeur"),
    path("valeurs/<id:pk>/supprimer/", views.supprimer_valeur, name="supprimer_valeur"),
    path("rapport/<str:annee>/", views.rapport_annuel, name="rapport"),
    path("annees/<str:annee>/cloturer/", views.cloturer_annee, name="cloturer"),
    path("annees/<str:annee>/publication/", views.publier_annee, name="publier"),
]
