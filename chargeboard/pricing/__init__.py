"""Pricing every kWh as the co-op pays for it (issue 29): spot prices per price area and interval
(spot.py), the tariff formula of the co-op's bill (formula.py), and the capacity peaks the chargers
cause (capacity.py). Statements price sessions with these; queries live in queries/pricing/.
"""
