from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.importer, name="importer"),
    path("historique/", views.historique, name="historique"),
    path("modeles/<slug:nature>.xlsx", views.modele, name="modele"),
    path("<id:pk>/", views.apercu, name="apercu"),
    path("<id:pk>/confirmer/", views.confirmer, name="confirmer"),
    path("<id:pk>/actualiser/", views.actualiser, name="actualiser"),
]
