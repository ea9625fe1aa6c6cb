"""Requests no page can answer: refused before any view reads them."""

from django.core.exceptions import BadRequest


class RefusOctetNulMiddleware:
    """A NUL byte in the path or the query string is never typed by a person, and PostgreSQL
    refuses it in any text it is asked to compare: every view would answer 500 on it. It is
    refused once, here, for every address, rather than in each view that reads a code or a
    parameter (form fields refuse it in the body: Django's CharField does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parametres = (texte for cle, valeurs in request.GET.lists() for texte in (cle, *valeurs))
        if "\x00" in request.path_info or any("\x00" in texte for texte in parametres):
            raise BadRequest("Octet nul dans l’adresse.")
        return self.get_response(request)
