import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# What is loaded at start (Django, the apps, their models and URLs) lives as long as the worker:
# frozen out of the garbage collector's reach, it is no longer walked by each full collection,
# which took about 100 ms once every twenty requests of the list of actions at full scale.
gc.collect()
gc.freeze()
