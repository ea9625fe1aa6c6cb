from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def proxys_de_confiance(app_configs, **kwargs):
    """A wrong entry of PROXYS_DE_CONFIANCE would make every login fail; an empty one behind a
    proxy makes every user share the proxy's address for the lockout (comptes.connexion)."""
    from .connexion import reseaux_de_confiance

    try:
        reseaux_de_confiance(tuple(settings.PROXYS_DE_CONFIANCE))
    except ValueError as erreur:
        return [
            checks.Error(
                f"PROXYS_DE_CONFIANCE contient une adresse ou un réseau invalide : {erreur}",
                hint="Des adresses IP ou des réseaux (10.0.0.0/24) séparés par des virgules.",
                id="comptes.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def proxy_sans_confiance(app_configs, **kwargs):
    if settings.PROXYS_DE_CONFIANCE or not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    return [
        checks.Info(
            "PROXYS_DE_CONFIANCE est vide : si l’application est derrière un proxy inverse, tous les "
            "utilisateurs partagent son adresse et le blocage des connexions ne distingue plus personne.",
            hint="Nommez l’adresse du proxy (par exemple 127.0.0.1), voir README, section Production.",
            id="comptes.I001",
        )
    ]
