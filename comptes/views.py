"""A way back into an account: Django's password views, in French, with the reset requests
counted (comptes.services) and the lockout of an account lifted by a reset."""

from axes.utils import reset as lever_le_verrouillage
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from . import services
from .connexion import adresse_du_client


def _validite():
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return f"{minutes // 60} heure{'s' if minutes >= 120 else ''}" if minutes % 60 == 0 else f"{minutes} minutes"


class MotDePasseOublie(auth_views.PasswordResetView):
    """The same answer whether an account has the e-mail or not (Django sends nothing for an
    unknown one), and too many requests from one address or for one e-mail are refused, the
    same way for both."""

    template_name = "comptes/mot_de_passe_oublie.html"
    subject_template_name = "comptes/courriel_reinitialisation_objet.txt"
    email_template_name = "comptes/courriel_reinitialisation.txt"
    success_url = reverse_lazy("comptes:mot_de_passe_envoye")

    def get_context_data(self, **kwargs):
        return super().get_context_data(validite=_validite(), **kwargs)

    def form_valid(self, form):
        if not services.accepter_demande_de_reinitialisation(
            adresse=adresse_du_client(self.request), courriel=form.cleaned_data["email"]
        ):
            return render(self.request, "comptes/trop_de_demandes.html", status=429)
        self.extra_email_context = {"validite": _validite()}
        return super().form_valid(form)


class MotDePasseEnvoye(auth_views.PasswordResetDoneView):
    template_name = "comptes/mot_de_passe_envoye.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(validite=_validite(), **kwargs)


class NouveauMotDePasse(auth_views.PasswordResetConfirmView):
    template_name = "comptes/nouveau_mot_de_passe.html"
    success_url = reverse_lazy("comptes:mot_de_passe_reinitialise")

    def form_valid(self, form):
        reponse = super().form_valid(form)
        # Whoever opened the link reads the account's mailbox: a lockout of the account, from
        # wherever the failures came, no longer protects anything (comptes.connexion).
        lever_le_verrouillage(username=form.user.get_username())
        return reponse


class MotDePasseReinitialise(auth_views.PasswordResetCompleteView):
    template_name = "comptes/mot_de_passe_reinitialise.html"


class ChangerMotDePasse(auth_views.PasswordChangeView):
    template_name = "comptes/changer_mot_de_passe.html"
    success_url = reverse_lazy("comptes:mot_de_passe_change")


class MotDePasseChange(auth_views.PasswordChangeDoneView):
    template_name = "comptes/mot_de_passe_change.html"
