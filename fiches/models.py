from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .chargement import QuerySet
from .enums import NatureIndicateur, NiveauLien, Rubrique, ZoneScolaire
from .validators import valider_code_de_structure, valider_code_insee, valider_code_qpv

# The value of `chemin_du_contrat` for what every contract shares (communes, thématiques...):
# every administrator reads it, only a superuser writes it (fiches.administration).
PARTAGE = None


class Modele(models.Model):
    """Abstract base of the project's models: their querysets, and those of their related
    managers, carry the fetch mode of `fiches.chargement`."""

    objects = QuerySet.as_manager()
    # Each concrete model says where its contract is, as a lookup path from its rows ("contrat",
    # "enjeu__axe__pilier__contrat"...) or PARTAGE: the admin shows an administrator only the rows
    # of their contracts (fiches.administration). Not set here, so that a model that forgets it
    # fails in the admin instead of being shown to everyone.

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name, overridden)
        """get_<field>_display(), as Django's, with the field's {value: label} built once: Django
        builds and hashes it again at each call, translating every lazy label to hash it (5 ms of
        each attendance grid of 30 children). The labels stay lazy: each call translates its own."""
        libelles = _LIBELLES_DES_CHOIX.get(field)
        if libelles is None:
            libelles = dict(make_hashable(field.flatchoices))
            # Choices given by a callable may change: Django's way, read at each call.
            if isinstance(field.choices, (list, tuple)):
                _LIBELLES_DES_CHOIX[field] = libelles
        valeur = getattr(self, field.attname)
        return force_str(libelles.get(make_hashable(valeur), valeur), strings_only=True)


_LIBELLES_DES_CHOIX = {}


class Commune(Modele):
    chemin_du_contrat = PARTAGE  # a commune may belong to several contracts
    code_insee = models.CharField(_("code INSEE"), max_length=5, unique=True, validators=[valider_code_insee])
    nom = models.CharField(_("nom"), max_length=150)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["nom"]

    def __str__(self):
        return f"{self.nom} ({self.code_insee})"


class Contrat(Modele):
    chemin_du_contrat = "pk"
    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Identifiant court, ex. contrat-de-ville.")
    )
    nom = models.CharField(_("nom"), max_length=200)
    territoire = models.CharField(
        _("territoire"), max_length=200, blank=True, help_text=_("Commune ou EPCI signataire.")
    )
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), blank=True)
    annee_debut = models.PositiveSmallIntegerField(_("année de début"), null=True, blank=True)
    annee_fin = models.PositiveSmallIntegerField(_("année de fin"), null=True, blank=True)
    # Blank until an administrator sets it: no zone can be guessed for a contract, and a wrong one
    # would make series skip the wrong weeks. A series of a contract without one skips only public
    # holidays, and says so.
    zone_scolaire = models.CharField(
        _("zone de vacances scolaires"),
        max_length=1,
        choices=ZoneScolaire.choices,
        blank=True,
        help_text=_(
            "Zone de l’académie du territoire (A, B ou C) : les séries de séances sautent ses vacances scolaires."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contrat de ville")
        verbose_name_plural = _("contrats de ville")
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(annee_fin__gte=models.F("annee_debut"))
                | models.Q(annee_fin__isnull=True)
                | models.Q(annee_debut__isnull=True),
                name="contrat_annees_ordonnees",
                violation_error_message=_("L’année de fin précède l’année de début."),
            )
        ]

    def __str__(self):
        return self.nom


class Pilier(Modele):
    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="piliers", verbose_name=_("contrat"))
    code = models.CharField(
        _("code"),
        max_length=10,
        validators=[valider_code_de_structure],
        help_text=_("ex. 1, ou T pour les axes transversaux."),
    )
    intitule = models.CharField(_("intitulé"), max_length=300, blank=True)
    transversal = models.BooleanField(
        _("axes transversaux"), default=False, help_text=_("Regroupe les axes transversaux T.1, T.2…")
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pilier")
        verbose_name_plural = _("piliers")
        ordering = ["contrat", "ordre", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "code"],
                name="pilier_code_unique",
                violation_error_message=_("Ce contrat a déjà un pilier de ce code."),
            )
        ]

    def __str__(self):
        if self.transversal:
            return self.intitule or _("Axes transversaux")
        libelle = _("Pilier %(code)s") % {"code": self.code}
        return f"{libelle} – {self.intitule}" if self.intitule else libelle


class Axe(Modele):
    chemin_du_contrat = "pilier__contrat"
    pilier = models.ForeignKey(Pilier, on_delete=models.CASCADE, related_name="axes", verbose_name=_("pilier"))
    code = models.CharField(
        _("code"), max_length=10, validators=[valider_code_de_structure], help_text=_("ex. 1.2 ou T.1")
    )
    intitule = models.CharField(_("intitulé"), max_length=300, blank=True)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["pilier__ordre", "ordre", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilier", "code"],
                name="axe_code_unique",
                violation_error_message=_("Ce pilier a déjà un axe de ce code."),
            )
        ]

    def __str__(self):
        libelle = _("Axe %(code)s") % {"code": self.code}
        return f"{libelle} – {self.intitule}" if self.intitule else libelle


class Enjeu(Modele):
    chemin_du_contrat = "axe__pilier__contrat"
    axe = models.ForeignKey(Axe, on_delete=models.CASCADE, related_name="enjeux", verbose_name=_("axe"))
    code = models.CharField(_("code"), max_length=12, validators=[valider_code_de_structure], help_text=_("ex. 1.2.2"))
    intitule = models.CharField(_("intitulé"), max_length=400)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enjeu")
        verbose_name_plural = _("enjeux")
        ordering = ["axe__pilier__ordre", "axe__ordre", "ordre", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["axe", "code"],
                name="enjeu_code_unique",
                violation_error_message=_("Cet axe a déjà un enjeu de ce code."),
            )
        ]

    def __str__(self):
        return f"{_('Enjeu')} {self.code} – {self.intitule}"


class FicheQuerySet(QuerySet):
    def du_contrat(self, contrat):
        return self.filter(enjeu__axe__pilier__contrat=contrat)


class Fiche(Modele):
    chemin_du_contrat = "enjeu__axe__pilier__contrat"
    enjeu = models.ForeignKey(Enjeu, on_delete=models.PROTECT, related_name="fiches", verbose_name=_("enjeu"))
    code = models.CharField(_("code"), max_length=12, validators=[valider_code_de_structure], help_text=_("ex. 1.2.3"))
    titre = models.CharField(_("titre"), max_length=300)
    partenaires = models.ManyToManyField(
        "partenaires.Partenaire",
        verbose_name=_("partenaires mobilisables"),
        related_name="fiches",
        blank=True,
    )
    types_acteurs = models.ManyToManyField(
        "partenaires.TypeStructure",
        verbose_name=_("acteurs mobilisables"),
        related_name="fiches",
        blank=True,
    )
    dispositifs = models.ManyToManyField(
        "partenaires.Dispositif",
        verbose_name=_("dispositifs mobilisables"),
        related_name="fiches",
        blank=True,
    )
    sources_financement = models.ManyToManyField(
        "partenaires.SourceFinancement",
        verbose_name=_("financements mobilisables"),
        related_name="fiches",
        blank=True,
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords(m2m_fields=[partenaires, types_acteurs, dispositifs, sources_financement])

    objects = FicheQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche")
        verbose_name_plural = _("fiches")
        ordering = ["enjeu__axe__pilier__ordre", "enjeu__axe__ordre", "ordre", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["enjeu", "code"],
                name="fiche_code_unique",
                violation_error_message=_("Cet enjeu a déjà une fiche de ce code."),
            )
        ]

    def __str__(self):
        return f"{_('Fiche')} {self.code} – {self.titre}"

    def get_absolute_url(self):
        return reverse("fiches:detail", kwargs={"code": self.code})

    def clean(self):
        # A code names one fiche in the whole contract (its URL is /fiches/<code>/), whatever the enjeu.
        if self.enjeu_id is None:
            return
        contrat_id = Pilier.objects.filter(axes__enjeux=self.enjeu_id).values("contrat_id")
        doublon = Fiche.objects.filter(code=self.code, enjeu__axe__pilier__contrat_id__in=contrat_id).exclude(
            pk=self.pk
        )
        if doublon.exists():
            raise ValidationError(
                {"code": _("Une autre fiche de ce contrat porte déjà le code %(code)s.") % {"code": self.code}}
            )


class ElementOrdonne(Modele):
    """A bullet of a fiche: the signed text, kept word for word, in the document's order."""

    chemin_du_contrat = "fiche__enjeu__axe__pilier__contrat"
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["ordre", "pk"]


class ParagrapheFiche(ElementOrdonne):
    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="paragraphes", verbose_name=_("fiche"))
    rubrique = models.CharField(_("rubrique"), max_length=30, choices=Rubrique.choices)
    texte = models.TextField(_("texte"))
    history = HistoricalRecords()

    class Meta(ElementOrdonne.Meta):
        verbose_name = _("paragraphe de fiche")
        verbose_name_plural = _("paragraphes de fiche")

    def __str__(self):
        return f"{self.get_rubrique_display()} {self.ordre} : {self.texte[:60]}"


class RealisationAttendue(ElementOrdonne):
    fiche = models.ForeignKey(
        Fiche, on_delete=models.CASCADE, related_name="realisations_attendues", verbose_name=_("fiche")
    )
    code = models.CharField(_("code"), max_length=10, validators=[valider_code_de_structure], help_text=_("ex. R1"))
    intitule_court = models.CharField(
        _("intitulé court"), max_length=100, help_text=_("Pour les listes et tableaux de bord.")
    )
    libelle = models.TextField(_("libellé de la fiche"))
    history = HistoricalRecords()

    class Meta(ElementOrdonne.Meta):
        verbose_name = _("réalisation attendue")
        verbose_name_plural = _("réalisations attendues")
        constraints = [
            models.UniqueConstraint(
                fields=["fiche", "code"],
                name="realisation_code_unique",
                violation_error_message=_("Cette fiche a déjà une réalisation attendue de ce code."),
            )
        ]

    def __str__(self):
        return f"{self.code} – {self.intitule_court}"


class EffetAttendu(ElementOrdonne):
    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="effets_attendus", verbose_name=_("fiche"))
    code = models.CharField(_("code"), max_length=10, validators=[valider_code_de_structure], help_text=_("ex. E1"))
    libelle = models.TextField(_("libellé de la fiche"))
    history = HistoricalRecords()

    class Meta(ElementOrdonne.Meta):
        verbose_name = _("effet attendu")
        verbose_name_plural = _("effets attendus")
        constraints = [
            models.UniqueConstraint(
                fields=["fiche", "code"],
                name="effet_code_unique",
                violation_error_message=_("Cette fiche a déjà un effet attendu de ce code."),
            )
        ]

    def __str__(self):
        return f"{self.code} – {self.libelle[:80]}"


class EnonceIndicateur(ElementOrdonne):
    """An indicator as the fiche words it; measurable definitions (indicateurs.Indicateur) hang from it."""

    fiche = models.ForeignKey(
        Fiche, on_delete=models.CASCADE, related_name="enonces_indicateurs", verbose_name=_("fiche")
    )
    nature = models.CharField(_("nature"), max_length=12, choices=NatureIndicateur.choices)
    code = models.CharField(
        _("code"), max_length=10, validators=[valider_code_de_structure], help_text=_("ex. IR1, IE2")
    )
    libelle = models.TextField(_("libellé de la fiche"))
    history = HistoricalRecords()

    class Meta(ElementOrdonne.Meta):
        verbose_name = _("indicateur de la fiche")
        verbose_name_plural = _("indicateurs de la fiche")
        ordering = ["nature", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiche", "code"],
                name="enonce_indicateur_code_unique",
                violation_error_message=_("Cette fiche a déjà un indicateur de ce code."),
            )
        ]

    def __str__(self):
        return f"{self.code} – {self.libelle[:80]}"

    def get_absolute_url(self):
        return reverse("fiches:indicateur", kwargs={"code": self.fiche.code, "code_indicateur": self.code})


class LienFiche(ElementOrdonne):
    """A link to another enjeu or axe, pointing to it when the contract holds it."""

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="liens", verbose_name=_("fiche"))
    niveau = models.CharField(_("niveau"), max_length=10, choices=NiveauLien.choices)
    code = models.CharField(_("code"), max_length=12, validators=[valider_code_de_structure])
    libelle = models.TextField(_("libellé"))
    complement = models.CharField(
        _("complément"), max_length=300, blank=True, help_text=_("ex. la fiche de l’enjeu qui est visée.")
    )
    axe = models.ForeignKey(
        Axe, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("axe lié")
    )
    enjeu = models.ForeignKey(
        Enjeu, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("enjeu lié")
    )
    fiche_liee = models.ForeignKey(
        Fiche, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("fiche liée")
    )
    history = HistoricalRecords()

    class Meta(ElementOrdonne.Meta):
        verbose_name = _("lien vers un autre enjeu")
        verbose_name_plural = _("liens vers d’autres enjeux et fiches")

    def __str__(self):
        return f"{self.get_niveau_display()} {self.code}. {self.libelle[:60]}"

    def clean(self):
        erreurs = {}
        contrat_id = self.fiche.enjeu.axe.pilier.contrat_id if self.fiche_id else None
        cibles = {NiveauLien.AXE: ("axe", self.axe), NiveauLien.ENJEU: ("enjeu", self.enjeu)}
        for niveau, (champ, cible) in cibles.items():
            if cible is None:
                continue
            if niveau != self.niveau:
                erreurs[champ] = _("Un lien de niveau « %(niveau)s » ne pointe pas vers un %(champ)s.") % {
                    "niveau": self.get_niveau_display(),
                    "champ": champ,
                }
            elif cible.code != self.code:
                erreurs[champ] = _("Le code %(code)s ne correspond pas au code du lien.") % {"code": cible.code}
            elif contrat_id and _contrat_id(cible) != contrat_id:
                erreurs[champ] = _("Cet élément appartient à un autre contrat que la fiche.")
        if self.fiche_liee_id:
            if self.fiche_liee_id == self.fiche_id:
                erreurs["fiche_liee"] = _("Une fiche ne peut pas être liée à elle-même.")
            elif contrat_id and self.fiche_liee.enjeu.axe.pilier.contrat_id != contrat_id:
                erreurs["fiche_liee"] = _("Cette fiche appartient à un autre contrat.")
        if erreurs:
            raise ValidationError(erreurs)


def _contrat_id(cible):
    axe = cible if isinstance(cible, Axe) else cible.axe
    return axe.pilier.contrat_id


class Thematique(Modele):
    """A theme of the fiche's actions (culture, sport, numérique…), used to filter and break down."""

    chemin_du_contrat = PARTAGE
    code = models.SlugField(_("code"), max_length=40, unique=True)
    libelle = models.CharField(_("libellé"), max_length=100, unique=True)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")
        ordering = ["ordre", "libelle"]

    def __str__(self):
        return self.libelle


class QuartierQuerySet(QuerySet):
    def avec_contour(self):
        """With their outline: what draws a map, or saves a quartier (its history copies it)."""
        return self.defer(None)


class SansContour(models.Manager.from_queryset(QuartierQuerySet)):
    """Quartiers read without their outline, unless asked: a GeoJSON of several kilobytes that
    only the maps draw, decoded for each quartier of a menu, a filter or an action's list
    (10 ms of each page of the list of actions at full scale)."""

    def get_queryset(self):
        return super().get_queryset().defer("contour")


class Quartier(Modele):
    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(Contrat, on_delete=models.PROTECT, related_name="quartiers", verbose_name=_("contrat"))
    code = models.CharField(
        _("code QPV"),
        max_length=8,
        unique=True,
        validators=[valider_code_qpv],
        help_text=_("Code officiel : QN + 6 caractères (2024) ou QP + 6 chiffres (2015)."),
    )
    nom = models.CharField(_("nom"), max_length=200)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="quartiers")
    # The quartier's outline for the maps, imported from the official contours file
    # (fiches.contours, importer_contours): a GeoJSON MultiPolygon in WGS84 (lon, lat), simplified.
    # A JSON field rather than GeoDjango: the maps only draw it, and GDAL is not to be required.
    contour = models.JSONField(_("contour"), null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[communes])

    objects = SansContour()

    class Meta:
        verbose_name = _("quartier prioritaire")
        verbose_name_plural = _("quartiers prioritaires")
        ordering = ["nom"]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class ClotureAnnee(Modele):
    """A contract's school year once closed: its figures are final, and every write that would
    change them is refused (fiches.clotures). Here, in the lowest layer, so that every layer
    that writes figures (actions, indicateurs) reads it. One row per contract and year, kept
    when an administrator reopens the year: its history says who closed, reopened (and why)
    and closed again."""

    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="clotures", verbose_name=_("contrat"))
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    cloturee = models.BooleanField(_("clôturée"), default=True)
    cloturee_le = models.DateTimeField(_("clôturée le"))
    cloturee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clôturée par"),
    )
    motif_reouverture = models.TextField(_("motif de la réouverture"), blank=True)
    publiee = models.BooleanField(
        _("publiée"),
        default=False,
        help_text=_("Son bilan public (chiffres masqués, sans connexion) est en ligne."),
    )
    publiee_le = models.DateTimeField(_("publiée le"), null=True, blank=True)
    publiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clôture d’une année scolaire")
        verbose_name_plural = _("clôtures des années scolaires")
        ordering = ["contrat", "-annee_scolaire"]
        constraints = [
            models.UniqueConstraint(fields=["contrat", "annee_scolaire"], name="cloture_annee_unique"),
        ]

    def __str__(self):
        etat = _("clôturée") if self.cloturee else _("rouverte")
        return f"{self.libelle} ({etat})"

    @property
    def libelle(self):
        return f"{self.annee_scolaire}-{self.annee_scolaire + 1}"

    def en_clair(self):
        """« L’année scolaire 2024-2025 est clôturée depuis le 12/09/2025 par Camille Martin »
        (its closer read along)."""
        qui = self.cloturee_par
        nom = "un compte supprimé" if qui is None else qui.get_full_name() or qui.get_username()
        return (
            f"L’année scolaire {self.libelle} est clôturée depuis le "
            f"{timezone.localtime(self.cloturee_le):%d/%m/%Y} par {nom}"
        )
