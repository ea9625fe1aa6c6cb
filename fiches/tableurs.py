"""What every file that opens in a spreadsheet (CSV, XLSX) writes in a cell.

A text that starts like a formula is run by Excel or LibreOffice when the file is opened:
`=HYPERLINK("http://...","Cliquez")` in a libellé becomes a link in a partner's spreadsheet, and
worse formulas exist. Every export passes each of its cells through `cellule_sure` (OWASP, CSV
injection): a text starting with =, +, -, @, a tab or a carriage return is prefixed with an
apostrophe, which spreadsheets show as text. Numbers are not text: a negative figure stays a
number, in CSV as in XLSX."""

DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def cellule_sure(valeur):
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur
