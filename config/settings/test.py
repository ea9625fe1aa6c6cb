import copy

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests log in many times with the same account; the throttling test turns it back on.
AXES_ENABLED = False

# The replica (config.routeurs, docs/deploiement.md). A test mirror of the default database: Django
# creates no test database on it, which a read-only standby would refuse, and points it at the
# default's, which physical replication copies to the standby by itself. Without DATABASE_REPLICA_URL
# a second connection to the test database stands in for it. The router and its middleware are
# switched on by the tests about them only: every other test reads and writes the default database.
DATABASES.setdefault("replique", copy.deepcopy(DATABASES["default"]))  # noqa: F405
DATABASES["replique"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
DATABASE_ROUTERS = []
MIDDLEWARE = [classe for classe in MIDDLEWARE if classe != "config.routeurs.LectureMiddleware"]  # noqa: F405
