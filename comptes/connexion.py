"""Who is trying to log in, and what is locked after failures (django-axes reads both from here,
config/settings/base.py; the reasoning is in docs/securite.md).

The client's address. Reached directly, the app sees it as the socket's peer (REMOTE_ADDR), the
one address nobody can forge. Behind the TLS reverse proxy of a deployment, every request comes
from the proxy: the client's address is the one the proxy appended to X-Forwarded-For. The
header is believed only when the peer is one of the proxies named in PROXYS_DE_CONFIANCE, and
read from its right end, where those proxies write; whatever a client wrote itself at its left
end is never taken for its address.

What is locked. Five failures for one account from one address lock that account from that
address only: a stranger elsewhere cannot lock a person out. Guessing from many addresses is
bounded too: past ECHECS_PAR_COMPTE failures for the account from all addresses together (each
address counting for five at most, so that one address alone never gets there), it is locked
from every address except those it logged in from lately (ADRESSES_CONNUES_JOURS), so that its
owner, at their usual place, keeps working while the guessing stops. django-axes
compares every combination with one limit; which combinations apply is decided here, per
request, by AXES_LOCKOUT_PARAMETERS."""

import ipaddress
from datetime import timedelta
from functools import cache

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessBase, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

PAR_COMPTE_ET_ADRESSE = ["username", "ip_address"]
PAR_COMPTE = "username"


@cache
def reseaux_de_confiance(proxys):
    """PROXYS_DE_CONFIANCE as networks: "127.0.0.1", "10.0.0.0/24", "::1"... A wrong entry raises
    (a system check reports it at startup, comptes.apps)."""
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxys)


def _ip(texte):
    try:
        return ipaddress.ip_address(texte.strip())
    except ValueError:
        return None


def _de_confiance(ip, reseaux):
    return ip is not None and any(ip in reseau for reseau in reseaux)


def adresse_du_client(request):
    """The address login failures are counted against (AXES_CLIENT_IP_CALLABLE)."""
    pair = request.META.get("REMOTE_ADDR", "")
    reseaux = reseaux_de_confiance(tuple(settings.PROXYS_DE_CONFIANCE))
    if not _de_confiance(_ip(pair), reseaux):
        return pair
    adresse = pair
    # From the right: each trusted proxy names the one that connected to it, until the first
    # address that is not a proxy of ours, the client. A value that is no address was written
    # by a client: nothing left of it can be believed.
    for texte in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        ip = _ip(texte)
        if ip is None:
            break
        adresse = str(ip)
        if not _de_confiance(ip, reseaux):
            break
    return adresse


def _echecs_du_compte(requete, nom):
    """The account's recent failures from all addresses, each address counting for the per
    address limit at most: failures keep being recorded while an address is locked."""
    depuis = (getattr(requete, "axes_attempt_time", None) or timezone.now()) - get_cool_off(requete)
    par_adresse = (
        AccessAttempt.objects.filter(username=nom, attempt_time__gte=depuis)
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"))
        .values_list("n", flat=True)
    )
    return sum(min(n, settings.AXES_FAILURE_LIMIT) for n in par_adresse)


def _adresse_connue(nom, adresse):
    depuis = timezone.now() - timedelta(days=settings.ADRESSES_CONNUES_JOURS)
    return AccessLog.objects.filter(username=nom, ip_address=adresse, attempt_time__gte=depuis).exists()


def parametres_de_verrouillage(requete_ou_tentative, identifiants=None):
    """The combinations django-axes counts failures on for this request (AXES_LOCKOUT_PARAMETERS):
    account and address always; the account alone, from an address it has not logged in from
    lately, once it has failed ECHECS_PAR_COMPTE times from all addresses together."""
    if isinstance(requete_ou_tentative, AccessBase):
        return [PAR_COMPTE_ET_ADRESSE]
    requete = requete_ou_tentative
    nom = get_client_username(requete, identifiants)
    if not nom:
        return [PAR_COMPTE_ET_ADRESSE]
    adresse = getattr(requete, "axes_ip_address", None) or adresse_du_client(requete)
    if _echecs_du_compte(requete, nom) >= settings.ECHECS_PAR_COMPTE and not _adresse_connue(nom, adresse):
        return [PAR_COMPTE_ET_ADRESSE, PAR_COMPTE]
    return [PAR_COMPTE_ET_ADRESSE]
