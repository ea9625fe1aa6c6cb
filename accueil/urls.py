from django.urls import path

from . import views

# No namespace: `accueil` is the site's root, named so by every template (base.html).
urlpatterns = [
    path("", views.accueil, name="accueil"),
]
