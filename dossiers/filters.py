import django_filters

from partenaires.models import Structure

from .enums import EtatDossier
from .models import Campagne, Dossier


class FiltreDossiers(django_filters.FilterSet):
    campagne = django_filters.ModelChoiceFilter(
        label="Appel à projets", queryset=Campagne.objects.none(), empty_label="Tous"
    )
    etat = django_filters.ChoiceFilter(label="État", choices=EtatDossier.choices, empty_label="Tous")
    structure = django_filters.ModelChoiceFilter(
        label="Structure", queryset=Structure.objects.none(), empty_label="Toutes"
    )

    class Meta:
        model = Dossier
        fields = []

    def __init__(self, *args, campagnes, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["campagne"].queryset = campagnes
        self.filters["structure"].queryset = structures
