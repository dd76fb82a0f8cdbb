"""The demo co-op ("Solbakken borettslag"), kept outside the core package.

`python -m chargeboard_demo [--db FILE] [--force]` generates the feeds (generator.py), loads them
into a store through the ordinary ingest, registers the meters, adds a demo tariff, imports the demo's
dwelling register (register.py), saves its billing settings and closes one billing run (billing.py), and
writes the demo's login accounts (accounts.py) next to the store. Chargeboard itself never imports this
package: it uses only chargeboard's public functions, as any other feed would.
"""
