"""Path converters of the project's URLs, registered when the apps are ready (fiches.apps)."""

from .bornes import IDENTIFIANT_MAX


class Identifiant:
    """A record's id: digits that fit the id column. A longer number matches no pattern (404)
    before any query is built with it."""

    regex = "[0-9]{1,19}"

    def to_python(self, valeur):
        nombre = int(valeur)
        if nombre > IDENTIFIANT_MAX:
            raise ValueError(valeur)
        return nombre

    def to_url(self, valeur):
        return str(valeur)
