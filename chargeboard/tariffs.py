"""Tariffs: a price per kWh with validity periods, optional time-of-use bands, an optional
fixed monthly fee per resident, and a currency.

Tariffs are append-only versions (table ``tariffs``): editing adds a version with who and
when, never rewrites one. A statement is computed with the tariffs "as of" an instant (by
default now) and says which versions it used, so a later change never rewrites a past
statement silently: recomputing it with its as-of instant gives the same amounts, and a
statement computed after a change to its period says the period's tariff was changed.

A price period starts on ``valid_from`` (a local date of the installation) and runs until the
next period starts. Entering a version with the same ``valid_from`` replaces that period's
prices from then on; a *withdrawn* version removes the period. Bands are whole local hours,
``[from_hour, to_hour)``, wrapping midnight when from > to (22 → 6 is a night band).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from chargeboard.store import Store

DEFAULT_CURRENCY = "NOK"
SHARE_RULES = {"off": "not shared", "equal": "equally per active resident", "kwh": "in proportion to kWh"}
# ISO 4217 minor units of the currencies a co-op is likely to use; 2 for any other.
MINOR_UNITS = {"NOK": 2, "SEK": 2, "DKK": 2, "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "ISK": 0, "JPY": 0}


class TariffError(ValueError):
    pass


@dataclass(frozen=True)
class Band:
    from_hour: int
    to_hour: int
    price: Decimal

    def as_json(self) -> dict:
        return {"from_hour": self.from_hour, "to_hour": self.to_hour, "price": str(self.price)}

    def covers(self, hour: int) -> bool:
        if self.from_hour < self.to_hour:
            return self.from_hour <= hour < self.to_hour
        return hour >= self.from_hour or hour < self.to_hour


@dataclass(frozen=True)
class PricePeriod:
    version: int
    valid_from: date
    valid_to: date          # exclusive; date(9999, 12, 31) = open
    price_per_kwh: Decimal
    bands: tuple[Band, ...]
    monthly_fee: Decimal
    currency: str
    created_at: datetime
    created_by: str
    standby_share: str = "off"
    rest_share: str = "off"

    def hour_price(self, hour: int) -> Decimal:
        return next((b.price for b in self.bands if b.covers(hour)), self.price_per_kwh)

    @property
    def describe(self) -> str:
        bands = "; ".join(f"{b.from_hour:02d}–{b.to_hour:02d}: {b.price}" for b in self.bands)
        return f"{self.price_per_kwh} {self.currency}/kWh" + (f" (bands {bands})" if bands else "")


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise TariffError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise TariffError(f"{what} must be a number ≥ 0, not {value!r}")
    if number != number.quantize(Decimal("0.0001")) or number >= Decimal("1e8"):
        raise TariffError(f"{what} takes at most 4 decimals and 8 digits before the point, not {value!r}")
    return number


def parse_bands(bands) -> tuple[Band, ...]:
    """Bands from [{"from_hour", "to_hour", "price"}] (or Band objects); no two may overlap."""
    out = []
    for item in bands or ():
        band = item if isinstance(item, Band) else Band(int(item["from_hour"]), int(item["to_hour"]),
                                                         _decimal(item["price"], "band price"))
        if not (0 <= band.from_hour <= 23 and 0 <= band.to_hour <= 23) or band.from_hour == band.to_hour:
            raise TariffError(f"a band runs between whole hours 0–23 and from ≠ to: {band.from_hour}–{band.to_hour}")
        for other in out:
            if any(band.covers(h) and other.covers(h) for h in range(24)):
                raise TariffError(f"bands {other.from_hour}–{other.to_hour} and {band.from_hour}–{band.to_hour} overlap")
        out.append(Band(band.from_hour, band.to_hour, _decimal(band.price, "band price")))
    return tuple(out)


def add_version(store: Store, created_by: str, valid_from: date, price_per_kwh, *, bands=None, monthly_fee=0,
                currency: str = DEFAULT_CURRENCY, note: str | None = None, withdrawn: bool = False,
                standby_share: str = "off", rest_share: str = "off", created_at: datetime | None = None) -> int:
    """Append a tariff version; returns its number. The share rules (off | equal | kwh) say how
    statements of periods ending under this version share the standby and the unexplained rest."""
    for rule in (standby_share, rest_share):
        if rule not in SHARE_RULES:
            raise TariffError(f"a share rule is one of {', '.join(SHARE_RULES)}, not {rule!r}")
    if not created_by:
        raise TariffError("a tariff version needs the name of whoever enters it")
    currency = (currency or DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise TariffError(f"currency must be a three-letter code such as NOK, not {currency!r}")
    price = _decimal(price_per_kwh, "price per kWh")
    fee = _decimal(monthly_fee or 0, "monthly fee")
    parsed = parse_bands(bands)
    with store.transaction() as cur:
        from chargeboard.store import query_text  # noqa: PLC0415

        row = cur.execute(query_text("tariff_insert"), {
            "valid_from": valid_from, "price_per_kwh": price, "monthly_fee": fee, "currency": currency,
            "bands": json.dumps([b.as_json() for b in parsed]) if parsed else None,
            "withdrawn": withdrawn, "note": note, "created_at": created_at, "created_by": created_by,
            "standby_share": standby_share, "rest_share": rest_share,
        }).fetchone()
    return int(row[0])


def _amount(value) -> str:
    """1.8500 -> '1.85', 49.0000 -> '49.00', 0.8125 -> '0.8125': as entered, at least two decimals."""
    number = Decimal(value).normalize()
    return str(number.quantize(Decimal("0.01")) if number.as_tuple().exponent > -2 else number)


def history_rows(store: Store) -> list[dict]:
    """Every version as a person reads it: prices and bands in words, no JSON, no "None"."""
    rows = []
    for (version, valid_from, price, bands, fee, currency, withdrawn, standby_share, rest_share, note, created_at,
         created_by) in store.rows("tariff_history"):
        parsed = parse_bands(json.loads(bands) if bands else None)
        hours = "; ".join(f"{b.from_hour:02d}:00–{b.to_hour:02d}:00 {_amount(b.price)} {currency}/kWh"
                          for b in parsed)
        rows.append({
            "version": int(version),
            "valid_from": valid_from,
            "change": "withdraws the period from this date" if withdrawn else
                      f"{_amount(price)} {currency}/kWh" + (f", cheaper hours {hours}" if hours else ""),
            "monthly_fee": f"{_amount(fee)} {currency}",
            "standby_shared": SHARE_RULES.get(standby_share, standby_share or ""),
            "rest_shared": SHARE_RULES.get(rest_share, rest_share or ""),
            "note": note or "",
            "entered": f"{created_at:%Y-%m-%d %H:%M} UTC by {created_by}" if created_at else created_by or "",
        })
    return rows


def periods(store: Store, as_of: datetime | None = None) -> list[PricePeriod]:
    as_of = as_of or datetime.now(UTC)
    return [PricePeriod(r[0], r[1], r[2], Decimal(r[3]), parse_bands(json.loads(r[4]) if r[4] else None),
                        Decimal(r[5]), r[6], r[7], r[8], r[9], r[10])
            for r in store.rows("tariff_periods_as_of", as_of=as_of)]


def period_on(all_periods: list[PricePeriod], day: date) -> PricePeriod | None:
    return next((p for p in all_periods if p.valid_from <= day < p.valid_to), None)


def currency_of(all_periods: list[PricePeriod]) -> str:
    currencies = {p.currency for p in all_periods}
    if len(currencies) > 1:
        raise TariffError(f"the tariffs use several currencies ({', '.join(sorted(currencies))}); use one")
    return next(iter(currencies), DEFAULT_CURRENCY)
