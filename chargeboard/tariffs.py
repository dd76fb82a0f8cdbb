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

A formula version may be one installation's own (issue 29, ``installation_id``; None = co-op-wide): that
installation's chain is the co-op-wide periods plus its own, by ``valid_from``, its own winning on the
same date (``installation_chains``). Only formula versions name an installation; the flat price and bands,
the monthly fee, the share rules and the currency are the co-op-wide chain's (``periods``).

Prices and rules are described in the active language (chargeboard.i18n), figures from
chargeboard.formats: "1,45 kr/kWh" in Norwegian, "1.45 NOK/kWh" in English.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_symbol

from chargeboard import formats, i18n
from chargeboard.i18n import N_, _
from chargeboard.pricing import formula as pricing_formula
from chargeboard.pricing.describe import describe_formula
from chargeboard.store import Store

DEFAULT_CURRENCY = "NOK"
# How a statement shares the standby and the rest; the texts are msgids: share_rule() translates.
SHARE_RULES = {"off": N_("not shared"), "equal": N_("equally per active resident"), "kwh": N_("in proportion to kWh")}
# ISO 4217 minor units of the currencies a co-op is likely to use; 2 for any other.
MINOR_UNITS = {"NOK": 2, "SEK": 2, "DKK": 2, "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "ISK": 0, "JPY": 0}


class TariffError(ValueError):
    pass


def share_rule(rule: str | None) -> str:
    """A share rule in words, in the active language ("equally per active resident")."""
    return _(SHARE_RULES[rule]) if rule in SHARE_RULES else (rule or "")


def price_text(value, currency: str) -> str:
    """A price as entered, at least two decimals and up to four (1,45 / 1,4525), in the active language."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return formats.decimal(Decimal(value), max(2, min(4, -exponent if isinstance(exponent, int) else 2)))


def currency_symbol(currency: str) -> str:
    """kr for NOK in Norwegian, NOK in English (CLDR's symbol in the active language)."""
    return get_currency_symbol(currency, locale=i18n.babel_locale())


def unit_price(value, currency: str) -> str:
    """1,45 kr/kWh / 1.45 NOK/kWh."""
    return f"{price_text(value, currency)}\u00a0{currency_symbol(currency)}/kWh"


def fee_text(value, currency: str) -> str:
    """A fee as entered (49,00 kr / 10,005 kr), not yet rounded to the øre as a statement rounds it."""
    return f"{price_text(value, currency)}\u00a0{currency_symbol(currency)}"


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
    formula: pricing_formula.Formula | None = None   # issue 29: the bill's formula (then price 0, no bands)
    installation: str = ""  # the installation's name when the version is its own ("" = co-op-wide)

    def hour_price(self, hour: int) -> Decimal:
        return next((b.price for b in self.bands if b.covers(hour)), self.price_per_kwh)

    @property
    def describe(self) -> str:
        """The prices in words, in the active language: 1,45 kr/kWh (timer 22–06: 0,95 kr/kWh), or the
        formula's (chargeboard.pricing.describe)."""
        if self.formula is not None:
            return describe_formula(self.formula)
        price = unit_price(self.price_per_kwh, self.currency)
        if not self.bands:
            return price
        bands = "; ".join(f"{b.from_hour:02d}–{b.to_hour:02d}: {unit_price(b.price, self.currency)}"
                          for b in self.bands)
        return _("{price} (hours {bands})", price=price, bands=bands)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise TariffError(_("{what} is not a number: {value}", what=_(what), value=repr(value))) from None
    if not number.is_finite() or number < 0:
        raise TariffError(_("{what} must be a number ≥ 0, not {value}", what=_(what), value=repr(value)))
    if number != number.quantize(Decimal("0.0001")) or number >= Decimal("1e8"):
        raise TariffError(_("{what} takes at most 4 decimals and 8 digits before the point, not {value}",
                            what=_(what), value=repr(value)))
    return number


BAND_PRICE, PRICE_PER_KWH, MONTHLY_FEE = N_("band price"), N_("price per kWh"), N_("monthly fee")


def parse_bands(bands) -> tuple[Band, ...]:
    """Bands from [{"from_hour", "to_hour", "price"}] (or Band objects); no two may overlap."""
    out = []
    for item in bands or ():
        band = item if isinstance(item, Band) else Band(int(item["from_hour"]), int(item["to_hour"]),
                                                         _decimal(item["price"], BAND_PRICE))
        if not (0 <= band.from_hour <= 23 and 0 <= band.to_hour <= 23) or band.from_hour == band.to_hour:
            raise TariffError(_("a band runs between whole hours 0–23 and from ≠ to: {band}",
                                band=f"{band.from_hour}–{band.to_hour}"))
        for other in out:
            if any(band.covers(h) and other.covers(h) for h in range(24)):
                raise TariffError(_("bands {first} and {second} overlap", first=f"{other.from_hour}–{other.to_hour}",
                                    second=f"{band.from_hour}–{band.to_hour}"))
        out.append(Band(band.from_hour, band.to_hour, _decimal(band.price, BAND_PRICE)))
    return tuple(out)


def add_version(store: Store, created_by: str, valid_from: date, price_per_kwh, *, bands=None, monthly_fee=0,
                currency: str = DEFAULT_CURRENCY, note: str | None = None, withdrawn: bool = False,
                standby_share: str = "off", rest_share: str = "off", created_at: datetime | None = None,
                formula=None, installation_id: str | None = None) -> int:
    """Append a tariff version; returns its number. The share rules (off | equal | kwh) say how
    statements of periods ending under this version share the standby and the unexplained rest.
    `formula` (a dict, its JSON text or a pricing.formula.Formula; issue 29) makes it a formula version:
    the formula is checked (FormulaError names the field) and stored, price_per_kwh 0 and no bands.
    `installation_id` (a known installation's id; None = co-op-wide) makes it that installation's own: only
    a formula version (or a withdrawn one, giving the date back to the co-op-wide chain) may name one, with
    no monthly fee and the share rules off (those are the co-op-wide chain's)."""
    for rule in (standby_share, rest_share):
        if rule not in SHARE_RULES:
            raise TariffError(_("a share rule is one of {rules}, not {rule}", rules=", ".join(SHARE_RULES),
                                rule=repr(rule)))
    if not created_by:
        raise TariffError(_("a tariff version needs the name of whoever enters it"))
    currency = (currency or DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise TariffError(_("currency must be a three-letter code such as NOK, not {currency}",
                            currency=repr(currency)))
    if installation_id is not None:
        _check_own_version(store, installation_id, formula, withdrawn, monthly_fee, standby_share, rest_share)
    stored_formula = None
    if formula is not None:
        checked = formula if isinstance(formula, pricing_formula.Formula) else pricing_formula.parse(formula)
        stored_formula = json.dumps(checked.as_json())
        price_per_kwh, bands = 0, None
    price = _decimal(price_per_kwh, PRICE_PER_KWH)
    fee = _decimal(monthly_fee or 0, MONTHLY_FEE)
    parsed = parse_bands(bands)
    with store.transaction() as cur:
        from chargeboard.store import query_text  # noqa: PLC0415

        row = cur.execute(query_text("tariff_insert"), {
            "valid_from": valid_from, "price_per_kwh": price, "monthly_fee": fee, "currency": currency,
            "bands": json.dumps([b.as_json() for b in parsed]) if parsed else None,
            "withdrawn": withdrawn, "note": note, "created_at": created_at, "created_by": created_by,
            "standby_share": standby_share, "rest_share": rest_share, "formula": stored_formula,
            "installation_id": installation_id,
        }).fetchone()
    return int(row[0])


def _check_own_version(store: Store, installation_id: str, formula, withdrawn: bool, monthly_fee, standby_share: str,
                       rest_share: str) -> None:
    if installation_id not in {row[0] for row in store.rows("installations_all")}:
        raise TariffError(_("there is no installation {installation}", installation=repr(installation_id)))
    if formula is None and not withdrawn:
        raise TariffError(_("only a formula version can be one installation's own; the flat price and its hours "
                            "are co-op-wide"))
    if (monthly_fee and Decimal(str(monthly_fee).replace(",", ".")) != 0) or standby_share != "off" \
            or rest_share != "off":
        raise TariffError(_("an installation's own version takes no monthly fee or share rules: those are the "
                            "co-op-wide versions'"))


def history_rows(store: Store) -> list[dict]:
    """Every version as a person reads it, in the active language: prices and bands in words, no
    JSON, no "None". "installation" names the installation of its own versions ("" = co-op-wide)."""
    rows = []
    for (version, valid_from, price, bands, fee, currency, withdrawn, standby_share, rest_share, note, created_at,
         created_by, formula, installation_id, installation_name) in store.rows("tariff_history"):
        if formula is not None:
            change = describe_formula(formula_of(formula))
        else:
            parsed = parse_bands(json.loads(bands) if bands else None)
            hours = "; ".join(f"{b.from_hour:02d}:00–{b.to_hour:02d}:00 {unit_price(b.price, currency)}"
                              for b in parsed)
            change = unit_price(price, currency)
            if hours:
                change = _("{price}, cheaper hours {hours}", price=change, hours=hours)
        rows.append({
            "version": int(version),
            "installation": (installation_name or installation_id) if installation_id else _("co-op-wide"),
            "valid_from": valid_from,
            "change": _("withdraws the period from this date") if withdrawn else change,
            "monthly_fee": formats.money(Decimal(fee), currency),
            "standby_shared": share_rule(standby_share),
            "rest_shared": share_rule(rest_share),
            "note": note or "",
            "entered": (_("{moment} UTC by {who}", moment=formats.moment(created_at, "UTC"), who=created_by)
                        if created_at else created_by or ""),
        })
    return rows


def formula_of(stored) -> pricing_formula.Formula | None:
    """The formula of a stored version (the column's JSON text, or None for a flat price)."""
    return None if stored is None else pricing_formula.parse(stored)


def _period(r) -> PricePeriod:
    return PricePeriod(r[0], r[1], r[2], Decimal(r[3]), parse_bands(json.loads(r[4]) if r[4] else None),
                       Decimal(r[5]), r[6], r[7], r[8], r[9], r[10], formula_of(r[11]))


def periods(store: Store, as_of: datetime | None = None) -> list[PricePeriod]:
    """The co-op-wide chain as of an instant (default now): every installation without versions of its own
    is priced by it, and the monthly fee, share rules and currency always come from it."""
    as_of = as_of or datetime.now(UTC)
    return [_period(r) for r in store.rows("tariff_periods_as_of", as_of=as_of)]


def installation_chains(store: Store, as_of: datetime | None = None) -> dict[str, list[PricePeriod]]:
    """The chain of each installation that has versions of its own, as of an instant (default now): the
    co-op-wide periods and its own, by valid_from (its own winning on the same date), each running until
    the next. An installation not in it follows periods()."""
    as_of = as_of or datetime.now(UTC)
    chains: dict[str, list[PricePeriod]] = {}
    for installation_id, *r, own_name in store.rows("tariff_installation_periods_as_of", as_of=as_of):
        period = _period(r)
        chains.setdefault(installation_id, []).append(replace(period, installation=own_name) if own_name else period)
    return chains


def has_tariff(store: Store, as_of: datetime | None = None) -> bool:
    """Whether any price period is in force: co-op-wide, or an installation's own."""
    return bool(periods(store, as_of) or installation_chains(store, as_of))


def chain_of(all_periods: list[PricePeriod], chains: dict[str, list[PricePeriod]] | None,
             installation_id: str | None) -> list[PricePeriod]:
    """The periods that price an installation's sessions: its own chain, else the co-op-wide one."""
    return (chains or {}).get(installation_id, all_periods) if installation_id else all_periods


def in_force(store: Store) -> list[tuple[str, list[PricePeriod]]]:
    """The chains as the Tariffs page shows them: ("co-op-wide", the co-op-wide periods), then each
    installation with formula versions of its own, by name, with its chain."""
    names = {iid: name for iid, name, _zone in store.rows("installations_all")}
    chains = installation_chains(store)
    return [(_("co-op-wide"), periods(store)),
            *sorted(((names.get(iid, iid), chain) for iid, chain in chains.items()), key=lambda c: c[0])]


def period_on(all_periods: list[PricePeriod], day: date) -> PricePeriod | None:
    return next((p for p in all_periods if p.valid_from <= day < p.valid_to), None)


def currency_of(all_periods: list[PricePeriod]) -> str:
    currencies = {p.currency for p in all_periods}
    if len(currencies) > 1:
        raise TariffError(_("the tariffs use several currencies ({currencies}); use one",
                            currencies=", ".join(sorted(currencies))))
    return next(iter(currencies), DEFAULT_CURRENCY)
