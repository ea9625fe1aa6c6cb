"""What a typed value may be, whichever form it comes through: a value outside these bounds is
refused with a French message next to its field, never passed on to a page or a column that
cannot hold it."""

from datetime import date

# Dates the contract's records can carry: nothing before the politique de la ville's first
# urban contracts, nothing past what a plan can reach. A year 0001 or 9999 is a typo, and the
# school year around it cannot even be built (its end would fall in the year 10000).
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2100, 12, 31)

# The largest count a PositiveSmallIntegerField holds (a smallint on PostgreSQL).
PETIT_ENTIER_MAX = 32_767

# The largest id a BigAutoField holds: a longer number in an address or a choice is no record.
IDENTIFIANT_MAX = 2**63 - 1

# Free text typed in a form (descriptions, notes): long enough for a page of prose.
TEXTE_LONG_MAX = 10_000
