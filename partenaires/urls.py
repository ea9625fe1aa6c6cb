from django.urls import path

from . import views

app_name = "partenaires"

urlpatterns = [
    path("", views.annuaire, name="annuaire"),
    path("<id:pk>/", views.detail_partenaire, name="partenaire"),
    path("dispositifs/<slug:code>/", views.detail_dispositif, name="dispositif"),
]
