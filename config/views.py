from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found


@login_not_required
@require_GET
@never_cache
def sante(request):
    """For the load balancer and monitoring: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"statut": "erreur", "base_de_donnees": "injoignable"}, status=503)
    return JsonResponse({"statut": "ok", "base_de_donnees": "ok"})


def introuvable(request, exception):
    """A page not found: the site's page, but under /api/, where clients read JSON, a French
    `detail` as every other refusal of the API (an address no route matches, a code with a slash)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Adresse inconnue de l’API."}, status=404)
    return page_not_found(request, exception)
