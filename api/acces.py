"""Whose figures a request reads, and which school years: the scope of its account in its own
contract, else the public's — published years only, masked as for a partner of the whole contract."""

from dataclasses import dataclass

from rest_framework.exceptions import NotFound

from comptes.perimetre import Perimetre
from comptes.perms import peut_voir_les_tableaux
from fiches.annees import AnneeScolaire
from fiches.models import Contrat
from fiches.selectors import annees_publiees


@dataclass(frozen=True)
class Acces:
    perimetre: Perimetre
    # The rentrées the reader may ask for; None: any (a member of the contract).
    annees: frozenset | None

    @property
    def public(self):
        return self.annees is not None

    def annee_permise(self, annee):
        return self.annees is None or annee.annee_de_rentree in self.annees

    def annee_par_defaut(self):
        """The current school year for a member, as the dashboards open; the latest published one
        for the public."""
        return AnneeScolaire.courante() if self.annees is None else AnneeScolaire(max(self.annees))


def acces_au_contrat(request, code):
    """The reader's access to the contract `code`; 404 with a French detail when the contract
    does not exist, or has nothing public for a reader who is not one of its members."""
    perimetre = request.perimetre
    if perimetre.contrat is not None and perimetre.contrat.code == code and peut_voir_les_tableaux(perimetre):
        return Acces(perimetre, None)
    contrat = Contrat.objects.filter(code=code).first()
    publiees = frozenset(annees_publiees(contrat=contrat)) if contrat else frozenset()
    if not publiees:
        raise NotFound("Aucun contrat de ce code n’a d’année publiée.")
    # No role: masked as the partners' dashboards are (not an officer), over the whole contract.
    return Acces(Perimetre(contrat=contrat, role=None), publiees)
