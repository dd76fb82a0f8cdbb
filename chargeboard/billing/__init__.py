"""Billing the dwelling (issue 30): the dwelling register (dwellings.py), statements per dwelling and
billing runs that close a period (runs.py), the files for whoever collects the money (files.py, kid.py,
invoices.py). What a closed run holds is read as a `model.Run`. Queries live in queries/billing/.
"""
