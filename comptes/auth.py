from django.conf import settings
from django.contrib.auth.backends import ModelBackend

PREFIXE_DEMO = "demo-"


class ComptesReelsBackend(ModelBackend):
    """Demo accounts have passwords printed on a terminal: they must never open a real deployment."""

    def user_can_authenticate(self, user):
        if user.username.startswith(PREFIXE_DEMO) and not settings.DEMO_AUTORISEE:
            return False
        return super().user_can_authenticate(user)
