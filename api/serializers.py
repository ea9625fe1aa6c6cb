"""What the API answers, field by field: the documentation of the schema (/api/schema/) and the
check schemathesis runs every response against."""

from rest_framework import serializers

from fiches.annees import AnneeScolaire

from .selectors import VENTILATIONS


class FicheCourteSerializer(serializers.Serializer):
    code = serializers.CharField()
    titre = serializers.CharField()


class EnjeuSerializer(serializers.Serializer):
    code = serializers.CharField()
    intitule = serializers.CharField()
    fiches = FicheCourteSerializer(many=True, source="fiches.all")


class AxeSerializer(serializers.Serializer):
    code = serializers.CharField()
    intitule = serializers.CharField()
    enjeux = EnjeuSerializer(many=True, source="enjeux.all")


class PilierSerializer(serializers.Serializer):
    code = serializers.CharField()
    intitule = serializers.CharField()
    transversal = serializers.BooleanField()
    axes = AxeSerializer(many=True, source="axes.all")


class ContratSerializer(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()
    territoire = serializers.CharField()
    piliers = PilierSerializer(many=True)


class FicheSerializer(serializers.Serializer):
    code = serializers.CharField()
    titre = serializers.CharField()
    pilier = serializers.CharField(source="enjeu.axe.pilier.code")
    axe = serializers.CharField(source="enjeu.axe.code")
    enjeu = serializers.CharField(source="enjeu.code")


class ParagrapheSerializer(serializers.Serializer):
    rubrique = serializers.CharField()
    texte = serializers.CharField()


class AttenduSerializer(serializers.Serializer):
    code = serializers.CharField()
    libelle = serializers.CharField()


class EnonceSerializer(serializers.Serializer):
    code = serializers.CharField()
    nature = serializers.CharField()
    libelle = serializers.CharField()


class FicheDetailSerializer(FicheSerializer):
    paragraphes = ParagrapheSerializer(many=True, source="paragraphes.all")
    realisations_attendues = AttenduSerializer(many=True, source="realisations_attendues.all")
    effets_attendus = AttenduSerializer(many=True, source="effets_attendus.all")
    enonces_indicateurs = EnonceSerializer(many=True, source="enonces_indicateurs.all")


class IndicateurSerializer(serializers.Serializer):
    fiche = serializers.CharField(source="fiche.code")
    code = serializers.CharField()
    libelle = serializers.CharField()
    nature = serializers.CharField()
    unite = serializers.CharField()
    sens = serializers.CharField()
    mode = serializers.CharField()
    definition = serializers.CharField()
    frequence = serializers.CharField()
    regle_de_masquage = serializers.CharField(allow_null=True, help_text="Comment ses chiffres sont masqués.")


class QuartierSerializer(serializers.Serializer):
    code = serializers.CharField()
    nom = serializers.CharField()


class AnneeSerializer(serializers.Serializer):
    annee = serializers.CharField(help_text="Année scolaire, ex. 2024-2025.")
    cloturee = serializers.BooleanField(help_text="Ses chiffres sont définitifs.")
    publiee = serializers.BooleanField(help_text="Son bilan public est en ligne.")


class ChiffreSerializer(serializers.Serializer):
    valeur = serializers.FloatField(allow_null=True, help_text="Le chiffre ; null s’il est masqué ou absent.")
    masque = serializers.CharField(
        allow_null=True, help_text="« < 5 » (de 1 à 4 enfants) ou « s » (masquage secondaire) ; null s’il est montré."
    )


class LigneSerializer(serializers.Serializer):
    cle = serializers.CharField()
    libelle = serializers.CharField()
    actuelle = ChiffreSerializer()
    precedente = ChiffreSerializer()


class VentilationSerializer(serializers.Serializer):
    axe = serializers.ChoiceField(choices=list(VENTILATIONS))
    titre = serializers.CharField()
    recouvrement = serializers.CharField(
        allow_blank=True, help_text="Vide si les lignes font le total ; sinon pourquoi une chose compte dans plusieurs."
    )
    lignes = LigneSerializer(many=True)


class ValeurSerializer(serializers.Serializer):
    code = serializers.CharField()
    libelle = serializers.CharField()
    nature = serializers.CharField()
    unite = serializers.CharField()
    actuelle = ChiffreSerializer()
    precedente = ChiffreSerializer(help_text="L’année précédente, à la même date si l’année est en cours.")
    cible = serializers.FloatField(allow_null=True)
    valeur_contrat = ChiffreSerializer(allow_null=True, help_text="Pour un quartier : le chiffre du contrat.")
    ventilations = VentilationSerializer(many=True)


class ValeursDeFicheSerializer(serializers.Serializer):
    fiche = serializers.CharField()
    titre = serializers.CharField()
    indicateurs = ValeurSerializer(many=True)


class NoteSerializer(serializers.Serializer):
    marque = serializers.CharField()
    note = serializers.CharField()


class ReponseValeursSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Nombre de fiches.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    annee = serializers.CharField()
    perimetre = serializers.CharField(help_text="« contrat », ou le code du quartier.")
    cloturee = serializers.BooleanField(help_text="L’année est clôturée : ses chiffres sont définitifs.")
    comparaison = serializers.CharField()
    notes = NoteSerializer(many=True)
    results = ValeursDeFicheSerializer(many=True)


# --- Query parameters ------------------------------------------------------------------------------


class ParametresIndicateurs(serializers.Serializer):
    fiche = serializers.CharField(required=False, help_text="Code d’une fiche du contrat, ex. 1.2.3.")

    def validate_fiche(self, code):
        fiche = self.context["fiches"].filter(code=code).first()
        if fiche is None:
            raise serializers.ValidationError(f"Aucune fiche du contrat n’a le code « {code} ».")
        return fiche


class ParametresValeurs(ParametresIndicateurs):
    annee = serializers.CharField(
        required=False,
        help_text="Année scolaire, ex. 2024-2025 ; par défaut l’année en cours (sans connexion : la dernière publiée).",
    )
    quartier = serializers.CharField(
        required=False, help_text="Code d’un quartier (QPV) ; sans lui, le contrat entier."
    )
    ventilation = serializers.ChoiceField(
        choices=list(VENTILATIONS.items()), required=False, help_text="Une seule ventilation ; par défaut toutes."
    )

    def validate_annee(self, libelle):
        annee = AnneeScolaire.depuis_libelle(libelle)
        if annee is None:
            raise serializers.ValidationError(f"« {libelle} » n’est pas une année scolaire : écrivez-la 2025-2026.")
        return annee

    def validate_quartier(self, code):
        quartier = self.context["quartiers"].filter(code=code).first()
        if quartier is None:
            raise serializers.ValidationError(f"Aucun quartier qui vous est ouvert n’a le code « {code} ».")
        return quartier
