"""The WSGI entry point that gunicorn loads in each worker (README, « Production »)."""

import gc
import importlib
import sys


def test_a_worker_freezes_what_it_loaded_out_of_the_garbage_collector_s_full_collections():
    gc.unfreeze()
    try:
        module = sys.modules.get("config.wsgi")
        wsgi = importlib.reload(module) if module else importlib.import_module("config.wsgi")
        assert callable(wsgi.application)
        # Django's modules, the apps' models, the URL patterns: never walked again.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
