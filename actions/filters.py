import django_filters
from django import forms
from django.db.models import Q

from fiches.annees import AnneeScolaire, annees_recentes
from fiches.models import Quartier, RealisationAttendue, Thematique
from partenaires.models import Etablissement, Structure

from .enums import NiveauScolaire, StatutAction
from .models import Action, Participant


class FiltreActions(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="filtrer_texte")
    annee = django_filters.ChoiceFilter(label="Année scolaire", method="filtrer_annee", empty_label="Toutes")
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier", field_name="quartiers", queryset=Quartier.objects.none(), empty_label="Tous"
    )
    realisation = django_filters.ModelChoiceFilter(
        label="Réalisation attendue", queryset=RealisationAttendue.objects.none(), empty_label="Toutes"
    )
    thematique = django_filters.ModelChoiceFilter(
        label="Thématique", field_name="thematiques", queryset=Thematique.objects.all(), empty_label="Toutes"
    )
    porteur = django_filters.ModelChoiceFilter(
        label="Structure", queryset=Structure.objects.none(), empty_label="Toutes"
    )
    statut = django_filters.ChoiceFilter(label="Statut", choices=StatutAction.choices, empty_label="Tous")
    archivees = django_filters.BooleanFilter(
        label="Afficher aussi les actions archivées", widget=forms.CheckboxInput, method="filtrer_archivees"
    )

    class Meta:
        model = Action
        fields = []

    def __init__(self, *args, contrat, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["annee"].extra["choices"] = [(a.libelle, a.libelle) for a in annees_recentes()]
        self.filters["quartier"].queryset = Quartier.objects.filter(contrat=contrat)
        self.filters["realisation"].queryset = RealisationAttendue.objects.filter(
            fiche__enjeu__axe__pilier__contrat=contrat
        )
        self.filters["porteur"].queryset = structures

    def filtrer_texte(self, queryset, name, valeur):
        return queryset.filter(Q(titre__icontains=valeur) | Q(description__icontains=valeur))

    def filtrer_annee(self, queryset, name, valeur):
        annee = AnneeScolaire.depuis_libelle(valeur)
        return queryset.de_l_annee(annee) if annee else queryset

    def filtrer_archivees(self, queryset, name, valeur):
        # An unticked box arrives as False, so archived actions stay hidden unless asked for.
        return queryset if valeur else queryset.non_archivees()


class FiltreEnfants(django_filters.FilterSet):
    """Finds a child among a structure's hundreds: by code, or by level, school and quartier of
    residence. Used by the list of children and by the enrolment form."""

    code = django_filters.CharFilter(label="Code", method="filtrer_code")
    niveau = django_filters.ChoiceFilter(
        label="Niveau scolaire", field_name="niveau_scolaire", choices=NiveauScolaire.choices, empty_label="Tous"
    )
    etablissement = django_filters.ModelChoiceFilter(
        label="Établissement", queryset=Etablissement.objects.none(), empty_label="Tous"
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier de résidence",
        field_name="quartier_residence",
        queryset=Quartier.objects.none(),
        empty_label="Tous",
        null_label="Hors quartier prioritaire",
    )

    class Meta:
        model = Participant
        fields = []

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.filters["quartier"].queryset = Quartier.objects.filter(contrat=contrat)

    def filtrer_code(self, queryset, name, valeur):
        # Codes are written in capitals; one read aloud or copied may come with spaces.
        return queryset.filter(code__icontains="".join(valeur.split()))
