"""What may be typed in the login form: a name longer than any account's is refused by the form,
before a login failure is recorded for it (django-axes' record holds 255 characters)."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(AXES_ENABLED=True)
@pytest.mark.parametrize("longueur", [151, 256, 10_000])
def test_a_username_longer_than_any_account_s_is_refused_in_french(client, utilisateur, longueur):
    reponse = client.post("/connexion/", {"username": "x" * longueur, "password": "faux"})
    assert reponse.status_code == 200
    assert reponse.context["form"].errors["username"] == [
        f"Identifiant trop long : 150 caractères au plus (il en compte {longueur})."
    ]
    assert not AccessAttempt.objects.exists()
    # As long as an account's name may be: a login failure like any other.
    reponse = client.post("/connexion/", {"username": "x" * 150, "password": "faux"})
    assert "username" not in reponse.context["form"].errors
    assert AccessAttempt.objects.get().username == "x" * 150
