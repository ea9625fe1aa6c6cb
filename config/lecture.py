from django.conf import settings
from django.db.models import FETCH_PEERS, FETCH_RAISE


def mode_de_chargement():
    """FETCH_RAISE where settings.FETCH_RAISE is on (development, tests): a lazy load left in a
    page raises instead of running one query per row. In production a forgotten relation is
    loaded for all rows of the page at once (FETCH_PEERS) rather than failing the request."""
    return FETCH_RAISE if settings.FETCH_RAISE else FETCH_PEERS
