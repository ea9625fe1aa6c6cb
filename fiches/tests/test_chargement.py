"""The fetch mode is set once for every model (fiches.chargement): a lazy load during a request
raises in tests, outside requests rows are loaded by batch, and the admin never refuses one."""

import pytest
from django.apps import apps
from django.core.exceptions import FieldFetchBlocked
from django.db import models
from django.test import RequestFactory, override_settings

from fiches.chargement import ChargementMiddleware, QuerySet
from fiches.models import Fiche

APPLICATIONS = {"fiches", "partenaires", "comptes", "actions", "indicateurs"}


def test_every_model_of_the_project_uses_the_base_queryset():
    modeles = [
        modele
        for modele in apps.get_models()
        if modele._meta.app_label in APPLICATIONS and not modele.__name__.startswith("Historical")
    ]
    assert len(modeles) > 20
    sans_base = [modele.__name__ for modele in modeles if not isinstance(modele._default_manager.all(), QuerySet)]
    assert sans_base == []


def _lire_l_enjeu_de_chaque_fiche(request):
    return [fiche.enjeu.code for fiche in Fiche.objects.all()]


@override_settings(FETCH_RAISE=True)
def test_a_lazy_load_during_a_request_raises_where_fetch_raise_is_on(reference):
    vue = ChargementMiddleware(_lire_l_enjeu_de_chaque_fiche)
    with pytest.raises(FieldFetchBlocked):
        vue(RequestFactory().get("/"))


@override_settings(FETCH_RAISE=False)
def test_in_production_a_request_loads_a_forgotten_relation_for_all_rows_at_once(reference, django_assert_num_queries):
    vue = ChargementMiddleware(_lire_l_enjeu_de_chaque_fiche)
    nombre_de_fiches = Fiche.objects.count()
    assert nombre_de_fiches > 1
    with django_assert_num_queries(2):
        vue(RequestFactory().get("/"))


def test_outside_requests_rows_are_loaded_by_batch(reference):
    assert Fiche.objects.all()._fetch_mode is models.FETCH_PEERS


def test_the_admin_reads_relations_without_refusing_them(client_admin, reference):
    # Its change page prints str() of related rows it did not select.
    adhesion = apps.get_model("comptes", "Adhesion").objects.first()
    assert client_admin.get(f"/admin/comptes/adhesion/{adhesion.pk}/change/").status_code == 200
