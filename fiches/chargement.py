"""The base of every model of the project: how a relation that a query did not load is fetched.

Pages load what they show up front (select_related, prefetch_related in the selectors). While
a request is served with settings.FETCH_RAISE on (development, tests), a relation or deferred
field read later raises instead of running one query per row, so an N+1 fails the tests rather
than slowing a page. In production, and outside requests (commands, the shell, test bodies), a
forgotten relation is loaded for all rows of its query at once (FETCH_PEERS) rather than
failing. The mode is read when a queryset is created, so it is set once, here, for every model
and every related manager, and no call site has to remember it."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models

_mode_en_cours = ContextVar("mode_de_chargement", default=models.FETCH_PEERS)


def mode_de_chargement():
    return _mode_en_cours.get()


@contextmanager
def en_mode(mode):
    jeton = _mode_en_cours.set(mode)
    try:
        yield
    finally:
        _mode_en_cours.reset(jeton)


class QuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fetch_mode = mode_de_chargement()


class ChargementMiddleware:
    """Serves each request in FETCH_RAISE where settings.FETCH_RAISE is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with en_mode(models.FETCH_RAISE if settings.FETCH_RAISE else models.FETCH_PEERS):
            return self.get_response(request)
