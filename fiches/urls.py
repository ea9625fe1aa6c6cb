from django.urls import path

from . import views

app_name = "fiches"

urlpatterns = [
    path("", views.liste_fiches, name="liste"),
    path("<str:code>/", views.detail_fiche, name="detail"),
    path("<str:code>/indicateurs/<str:code_indicateur>/", views.detail_indicateur, name="indicateur"),
]
