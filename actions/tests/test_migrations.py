"""Migrations stand alone: none imports the application's code, so that editing a module never
changes what an old migration does. A data migration carries the code it needs, as it was."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

PROJET = {"actions", "comptes", "config", "fiches", "indicateurs", "partenaires"}


def _migrations():
    for config in apps.get_app_configs():
        if config.name.split(".")[0] in PROJET:
            yield from sorted((Path(config.path) / "migrations").glob("0*.py"))


def _nom(noeud):
    """The dotted name of `a.b.c`, or None."""
    if isinstance(noeud, ast.Name):
        return noeud.id
    if isinstance(noeud, ast.Attribute):
        base = _nom(noeud.value)
        return base and f"{base}.{noeud.attr}"
    return None


@pytest.mark.parametrize("chemin", list(_migrations()), ids=lambda chemin: f"{chemin.parts[-3]}/{chemin.stem}")
def test_a_migration_names_the_project_s_code_only_for_a_field_s_validators(chemin):
    """Django writes `validators=[fiches.validators.valider_code_qpv]` into a field's definition
    itself; anything else of the project (a function to run, a model) must be copied in."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    importes = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.ImportFrom) and (noeud.module or "").split(".")[0] in PROJET:
            pytest.fail(f"{chemin.name} imports from {noeud.module}")
        if isinstance(noeud, ast.Import):
            importes |= {alias.name for alias in noeud.names if alias.name.split(".")[0] in PROJET}
    validateurs = {
        id(noeud)
        for mot_cle in ast.walk(arbre)
        if isinstance(mot_cle, ast.keyword) and mot_cle.arg == "validators"
        for noeud in ast.walk(mot_cle.value)
    }
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Attribute) and _nom(noeud.value) in importes:
            assert id(noeud) in validateurs, f"{chemin.name} uses {_nom(noeud)} outside a field's validators"
