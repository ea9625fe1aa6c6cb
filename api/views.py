"""The read-only API, /api/v1/contrats/<contrat>/...: thin views over api.selectors, each
answering GET and HEAD only (any other method, OPTIONS included, 405 as everywhere on the
site), for a member of the contract (session or token) or, for published years only, anyone."""

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from comptes.perms import peut_voir_le_tableau_du_contrat
from fiches import clotures
from fiches.annees import AnneeScolaire, annees_recentes
from indicateurs.calculs.figures import regle_de_masquage
from indicateurs.periodes import Comparaison
from indicateurs.selectors import notes_des_chiffres

from . import selectors
from .acces import acces_au_contrat
from .serializers import (
    AnneeSerializer,
    ContratSerializer,
    FicheDetailSerializer,
    FicheSerializer,
    IndicateurSerializer,
    ParametresIndicateurs,
    ParametresValeurs,
    QuartierSerializer,
    ReponseValeursSerializer,
)

ERREURS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Paramètre refusé : {paramètre: [raisons]}."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Jeton invalide : {detail}."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Refusé : {detail}."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Introuvable ou non publié : {detail}."),
}
CONTRAT = OpenApiParameter(
    "contrat",
    str,
    OpenApiParameter.PATH,
    description="Code du contrat, ex. contrat-de-ville.",
    pattern=r"^[-a-zA-Z0-9_]+$",
)


class Lecture:
    """What every view of the API shares: reads only, and the reader's access to the contract."""

    http_method_names = ["get", "head"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.acces = acces_au_contrat(request, kwargs["contrat"])
        self.contrat = self.acces.perimetre.contrat

    def parametres(self, classe, **contexte):
        parametres = classe(data=self.request.query_params, context={"fiches": self.fiches(), **contexte})
        parametres.is_valid(raise_exception=True)
        return parametres.validated_data

    def fiches(self):
        return selectors.fiches_de_l_api(contrat=self.contrat)


@extend_schema(parameters=[CONTRAT], responses={200: ContratSerializer, **ERREURS}, summary="Structure du contrat")
class ContratVue(Lecture, APIView):
    """Le contrat : ses piliers, axes, enjeux et fiches."""

    def get(self, request, contrat):
        structure = {
            "code": self.contrat.code,
            "nom": self.contrat.nom,
            "territoire": self.contrat.territoire,
            "piliers": selectors.structure_du_contrat(contrat=self.contrat),
        }
        return Response(ContratSerializer(structure).data)


@extend_schema(parameters=[CONTRAT], responses={200: AnneeSerializer(many=True), **ERREURS}, summary="Années")
class AnneesVue(Lecture, APIView):
    """Les années scolaires que le lecteur peut demander : sans connexion, les années publiées ;
    pour un membre du contrat, les six dernières."""

    def get(self, request, contrat):
        if self.acces.public:
            rentrees = sorted(self.acces.annees, reverse=True)
        else:
            rentrees = [annee.annee_de_rentree for annee in annees_recentes()]
        fermees = clotures.clotures(contrat=self.contrat, annees=[AnneeScolaire(r) for r in rentrees])
        return Response(
            [
                {
                    "annee": AnneeScolaire(rentree).libelle,
                    "cloturee": rentree in fermees,
                    "publiee": rentree in fermees and fermees[rentree].publiee,
                }
                for rentree in rentrees
            ]
        )


@extend_schema(parameters=[CONTRAT], responses={200: FicheSerializer(many=True), **ERREURS}, summary="Fiches")
class FichesVue(Lecture, ListAPIView):
    """Les fiches du contrat."""

    serializer_class = FicheSerializer

    def get_queryset(self):
        return self.fiches()


@extend_schema(
    parameters=[CONTRAT, OpenApiParameter("fiche", str, OpenApiParameter.PATH, description="Code de la fiche.")],
    responses={200: FicheDetailSerializer, **ERREURS},
    summary="Une fiche",
)
class FicheVue(Lecture, APIView):
    """Une fiche : ses paragraphes (contexte, objectifs…), réalisations et effets attendus, et
    les énoncés de ses indicateurs."""

    def get(self, request, contrat, fiche):
        objet = selectors.fiche_de_l_api(contrat=self.contrat, code=fiche)
        if objet is None:
            raise NotFound("Aucune fiche du contrat n’a ce code.")
        return Response(FicheDetailSerializer(objet).data)


@extend_schema(
    parameters=[CONTRAT, ParametresIndicateurs],
    responses={200: IndicateurSerializer(many=True), **ERREURS},
    summary="Définitions des indicateurs",
)
class IndicateursVue(Lecture, ListAPIView):
    """Les définitions des indicateurs des fiches : ce qu’ils comptent, comment, d’où viennent
    leurs valeurs, et comment leurs chiffres sont masqués."""

    serializer_class = IndicateurSerializer

    def get_queryset(self):
        parametres = self.parametres(ParametresIndicateurs)
        return selectors.indicateurs_de_l_api(contrat=self.contrat, fiche=parametres.get("fiche"))

    def get_serializer(self, indicateurs, **kwargs):
        for indicateur in indicateurs:
            indicateur.regle_de_masquage = regle_de_masquage(indicateur.code, seuil=settings.SEUIL_PETITS_EFFECTIFS)
        return super().get_serializer(indicateurs, **kwargs)


@extend_schema(parameters=[CONTRAT], responses={200: QuartierSerializer(many=True), **ERREURS}, summary="Quartiers")
class QuartiersVue(Lecture, ListAPIView):
    """Les quartiers prioritaires que le lecteur peut demander (un partenaire : les siens)."""

    serializer_class = QuartierSerializer

    def get_queryset(self):
        return selectors.quartiers_de_l_api(perimetre=self.acces.perimetre)


class PaginationParFiche(PageNumberPagination):
    page_size = 20


@extend_schema(
    parameters=[CONTRAT, ParametresValeurs, OpenApiParameter("page", int, description="Page (20 fiches par page).")],
    responses={200: ReponseValeursSerializer, 304: OpenApiResponse(description="Inchangé (If-None-Match)."), **ERREURS},
    summary="Valeurs des indicateurs",
)
class ValeursVue(Lecture, APIView):
    """Les chiffres des indicateurs, fiche par fiche, pour une année scolaire, le contrat ou un
    quartier, avec leurs ventilations : ceux des tableaux de bord du lecteur, masqués de même
    (« < 5 », « s »). Réponse conditionnelle : ETag, et Last-Modified pour une année clôturée."""

    def get(self, request, contrat):
        perimetre = self.acces.perimetre
        parametres = self.parametres(ParametresValeurs, quartiers=selectors.quartiers_de_l_api(perimetre=perimetre))
        annee = parametres.get("annee") or self.acces.annee_par_defaut()
        if not self.acces.annee_permise(annee):
            raise NotFound(f"L’année scolaire {annee.libelle} n’est pas publiée.")
        quartier = parametres.get("quartier")
        if quartier is None and not peut_voir_le_tableau_du_contrat(perimetre):
            raise PermissionDenied("Choisissez un de vos quartiers (paramètre quartier).")
        pagination = PaginationParFiche()
        fiches = self.fiches()
        if "fiche" in parametres:
            fiches = fiches.filter(pk=parametres["fiche"].pk)
        page = pagination.paginate_queryset(fiches, request, view=self)
        cloture = clotures.cloture_de(contrat=self.contrat, annee=annee)
        cloture = cloture if cloture is not None and cloture.cloturee else None
        donnees = {
            "count": pagination.page.paginator.count,
            "next": pagination.get_next_link(),
            "previous": pagination.get_previous_link(),
            "annee": annee.libelle,
            "perimetre": quartier.code if quartier else "contrat",
            "cloturee": cloture is not None,
            "comparaison": Comparaison(annee, timezone.localdate()).libelle,
            "notes": [
                {"marque": marque, "note": note} for marque, note in notes_des_chiffres(perimetre=perimetre).items()
            ],
            "results": selectors.valeurs(
                perimetre=perimetre,
                annee=annee,
                fiches=page,
                quartier=quartier,
                ventilation=parametres.get("ventilation"),
                avec_precedente=self.acces.annee_permise(annee.precedente()),
            ),
        }
        return conditionnelle(request, Response(donnees), donnees, cloture)


def conditionnelle(request, reponse, donnees, cloture):
    """ETag from the content; Last-Modified, for a closed year, its closure: nothing written
    since can change its figures (fiches.clotures). A client that has them gets 304."""
    empreinte = hashlib.sha256(json.dumps(donnees, cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()
    reponse["ETag"] = f'"{empreinte[:32]}"'
    derniere = None
    if cloture is not None:
        derniere = int(cloture.cloturee_le.timestamp())
        reponse["Last-Modified"] = http_date(derniere)
    # The figures depend on who reads them: a cache keeps one copy per account.
    reponse["Cache-Control"] = "private, no-cache"
    patch_vary_headers(reponse, ["Authorization", "Cookie"])
    return get_conditional_response(request, etag=reponse["ETag"], last_modified=derniere, response=reponse)
