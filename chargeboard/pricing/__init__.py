"""Pricing by the bill's formula (issue 29): the tariff formula, price tables, capacity peaks."""
