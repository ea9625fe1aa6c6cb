"""Browsers in the tests: the fields a page's form posts back, with the values the page shows
(hidden ones included), so that a test which loads a form and sends it later sends what a user
would; and several users, each logged in, sending at the same moment."""

import threading
from html import unescape
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

NOMS = [("Camille", "Martin"), ("Dominique", "Bernard")]


class _LecteurDeFormulaires(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.formulaires = []
        self._liste = None
        self._options = []
        self._zone = None
        self._texte = []

    def handle_starttag(self, balise, attributs):
        attributs = dict(attributs)
        if balise == "form":
            self.formulaires.append([])
            return
        if not self.formulaires or "disabled" in attributs:
            return
        champs = self.formulaires[-1]
        nom = attributs.get("name")
        if balise == "input" and nom:
            genre = attributs.get("type", "text")
            if genre in ("checkbox", "radio"):
                if "checked" in attributs:
                    champs.append((nom, attributs.get("value", "on")))
            elif genre not in ("submit", "button", "reset"):
                champs.append((nom, attributs.get("value", "")))
        elif balise == "select" and nom:
            self._liste, self._options = (nom, "multiple" in attributs, []), []
        elif balise == "option" and self._liste:
            self._options.append(attributs.get("value", ""))
            if "selected" in attributs:
                self._liste[2].append(attributs.get("value", ""))
        elif balise == "textarea" and nom:
            self._zone, self._texte = nom, []

    def handle_data(self, donnees):
        if self._zone:
            self._texte.append(donnees)

    def handle_endtag(self, balise):
        if balise == "select" and self._liste:
            nom, multiple, choisies = self._liste
            # A single list with nothing selected sends its first option.
            if not choisies and not multiple and self._options:
                choisies = self._options[:1]
            self.formulaires[-1].extend((nom, valeur) for valeur in choisies)
            self._liste = None
        elif balise == "textarea" and self._zone:
            # The newline right after <textarea> is not part of the value.
            self.formulaires[-1].append((self._zone, "".join(self._texte).removeprefix("\n")))
            self._zone = None


def formulaire(reponse, champ):
    """The fields of the page's form that has `champ`, as {name: [values]} (what the test client posts)."""
    lecteur = _LecteurDeFormulaires()
    lecteur.feed(reponse.content.decode())
    for champs in lecteur.formulaires:
        if any(nom == champ for nom, _ in champs):
            donnees = {}
            for nom, valeur in champs:
                donnees.setdefault(nom, []).append(valeur)
            return donnees
    raise AssertionError(f"no form with a field {champ!r} in the page")


def navigateurs(nombre):
    """`nombre` browsers, each logged in as an officer of their own (the first two named as in NOMS)."""
    clients = []
    for rang in range(nombre):
        prenom, nom = NOMS[rang] if rang < len(NOMS) else (f"Agent{rang}", "Test")
        utilisateur = get_user_model().objects.create_superuser(
            username=f"agent{rang}", password="mot-de-passe-solide-42", first_name=prenom, last_name=nom
        )
        # A server error comes back as a 500 response, as a browser would get it.
        client = Client(raise_request_exception=False)
        client.force_login(utilisateur)
        clients.append(client)
    return clients


def simultanement(*envois):
    """Each send in its own thread (its own database connection), all released at once by a
    barrier; their responses, in order."""
    depart = threading.Barrier(len(envois))
    reponses = [None] * len(envois)
    erreurs = []

    def envoyer(rang, envoi):
        try:
            depart.wait(timeout=30)
            reponses[rang] = envoi()
        except Exception as erreur:  # reported by the assertion below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=envoyer, args=(rang, envoi)) for rang, envoi in enumerate(envois)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert erreurs == []
    return reponses


def texte(reponse):
    return unescape(reponse.content.decode())
