"""Counts the SQL queries of each request and reports them in the Server-Timing header, so that
the benchmark (bench/run.py) reads them from outside the server. Used by config.settings.bench
only: the header would tell anyone how the pages query the database."""

import time
from contextlib import ExitStack

from django.db import connections


class MesureRequetesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        compteur = {"requetes": 0, "duree": 0.0}

        def compter(execute, sql, params, many, context):
            debut = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                compteur["requetes"] += 1
                compteur["duree"] += time.perf_counter() - debut

        debut = time.perf_counter()
        # The primary's queries and, when there is one, the replica's (config.routeurs).
        with ExitStack() as pile:
            for alias in connections:
                pile.enter_context(connections[alias].execute_wrapper(compter))
            response = self.get_response(request)
        total = time.perf_counter() - debut
        # Header values must be ASCII: no accent in "requetes".
        response["Server-Timing"] = (
            f"app;dur={total * 1000:.1f}, sql;dur={compteur['duree'] * 1000:.1f}, "
            f'requetes;desc="{compteur["requetes"]}"'
        )
        return response
