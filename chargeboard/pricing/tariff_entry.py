"""Entering tariff versions and invoice months (issue 29): what `tariff set FILE.json`, `tariff
cost-price` and the Tariffs page's forms call, so the page stays thin and both ways store the same.

A tariff version file (README "Tariff versions as JSON") is one object:
{"valid_from": "2026-01-01", "price_per_kwh": "1.45" | "formula": {...}, "bands": [...],
 "monthly_fee": "49", "currency": "NOK", "standby_share": "off", "rest_share": "off",
 "note": "...", "withdrawn": false, "installation": "testlaget"}. Every error names the file and the field.
"installation" (an installation's id or name; left out = co-op-wide) makes a formula version that
installation's own (tariffs.installation_chains): no flat price, bands, monthly fee or share rules then.

A cost-price month is the co-op's own invoice for one meter: kr (VAT included, as invoiced) and
kWh; the month's price per kWh is the sum of its meters' kr / kWh (each meter's newest entry),
rounded to 6 decimals (cost_price_per_kwh).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from chargeboard import formats, tariffs
from chargeboard.i18n import _
from chargeboard.pricing import formula as pricing_formula
from chargeboard.store import Store

VERSION_KEYS = ("valid_from", "price_per_kwh", "formula", "bands", "monthly_fee", "currency", "standby_share",
                "rest_share", "note", "withdrawn", "installation")
PRICE_DIGITS = Decimal("0.000001")
MAX_METER_ID = 100


class EntryError(ValueError):
    """A tariff file, a form or an invoice month that cannot be stored; the message names the field."""


# -- a version from JSON (file, pasted text) -----------------------------------------------------------

def _field_error(source: str, key: str, reason) -> EntryError:
    return EntryError(_("{source}: {field}: {reason}", source=source, field=key, reason=reason))


def version_kwargs(data, source: str, store: Store | None = None) -> dict:
    """tariffs.add_version's arguments from a version object, each field checked; EntryError names
    `source` (the file) and the field. An "installation" is looked up in `store`."""
    if not isinstance(data, dict):
        raise EntryError(_("{source}: a tariff version is one JSON object ({{\"valid_from\": …}}), not {kind}",
                           source=source, kind=type(data).__name__))
    unknown = sorted(set(data) - set(VERSION_KEYS))
    if unknown:
        raise EntryError(_("{source}: unknown field(s) {fields}; a version takes {known}", source=source,
                           fields=", ".join(unknown), known=", ".join(VERSION_KEYS)))
    out: dict = {}
    try:
        out["valid_from"] = date.fromisoformat(str(data.get("valid_from", "")).strip())
    except ValueError:
        raise _field_error(source, "valid_from", _("not a date (YYYY-MM-DD): {value}",
                                                   value=repr(data.get("valid_from")))) from None
    withdrawn = data.get("withdrawn", False)
    if not isinstance(withdrawn, bool):
        raise _field_error(source, "withdrawn", _("must be true or false, not {value}", value=repr(withdrawn)))
    out["withdrawn"] = withdrawn
    has_price, has_formula = data.get("price_per_kwh") is not None, data.get("formula") is not None
    if has_price and has_formula:
        raise _field_error(source, "formula", _("give either price_per_kwh or formula, not both"))
    if not has_price and not has_formula and not withdrawn:
        raise _field_error(source, "price_per_kwh", _("missing: give price_per_kwh (a flat price) or formula"))
    if has_formula:
        if data.get("bands"):
            raise _field_error(source, "bands", _("a formula version has no bands (the formula's grid has night "
                                                  "hours)"))
        try:
            out["formula"] = pricing_formula.parse(data["formula"])
        except pricing_formula.FormulaError as error:
            raise _field_error(source, "formula", error) from None
        out["price_per_kwh"] = "0"
    else:
        out["price_per_kwh"] = _checked(source, "price_per_kwh", lambda: tariffs._decimal(
            data.get("price_per_kwh", "0"), tariffs.PRICE_PER_KWH))
        bands = data.get("bands")
        if bands is not None and not isinstance(bands, list):
            raise _field_error(source, "bands", _("a list of {{\"from_hour\", \"to_hour\", \"price\"}}"))
        out["bands"] = _checked(source, "bands", lambda: tariffs.parse_bands(bands)) or None
    out["monthly_fee"] = _checked(source, "monthly_fee", lambda: tariffs._decimal(data.get("monthly_fee", "0"),
                                                                                   tariffs.MONTHLY_FEE))
    currency = data.get("currency", tariffs.DEFAULT_CURRENCY)
    if not isinstance(currency, str) or len(currency.strip()) != 3 or not currency.strip().isalpha():
        raise _field_error(source, "currency", _("a three-letter code such as NOK, not {value}", value=repr(currency)))
    out["currency"] = currency.strip().upper()
    for key in ("standby_share", "rest_share"):
        rule = data.get(key, "off")
        if rule not in tariffs.SHARE_RULES:
            raise _field_error(source, key, _("one of {rules}, not {value}", rules=", ".join(tariffs.SHARE_RULES),
                                              value=repr(rule)))
        out[key] = rule
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise _field_error(source, "note", _("text, not {value}", value=repr(note)))
    out["note"] = note or None
    if data.get("installation") is not None:
        out["installation_id"] = _own_version(source, data, out, store)
    return out


def installation_id_of(store: Store, given) -> str | None:
    """The id of the installation `given` names (its id, else its name, case-insensitively); None when none."""
    text = str(given or "").strip()
    rows = store.rows("installations_all")
    by_id = {iid for iid, _name, _zone in rows}
    if text in by_id:
        return text
    named = [iid for iid, name, _zone in rows if name.casefold() == text.casefold()]
    return named[0] if len(named) == 1 else None


def _own_version(source: str, data: dict, out: dict, store: Store | None) -> str:
    given = data["installation"]
    if not isinstance(given, str) or not given.strip():
        raise _field_error(source, "installation", _("an installation's id or name, not {value}", value=repr(given)))
    found = installation_id_of(store, given) if store is not None else None
    if found is None:
        known = ", ".join(iid for iid, _name, _zone in store.rows("installations_all")) if store is not None else ""
        raise _field_error(source, "installation", _("no installation {value} (known: {known})", value=repr(given),
                                                     known=known or _("none yet")))
    if "formula" not in out and not out["withdrawn"]:
        raise _field_error(source, "installation", _("only a formula version can be one installation's own; the "
                                                     "flat price and its hours are co-op-wide"))
    for key in ("monthly_fee", "standby_share", "rest_share"):
        if data.get(key) not in (None, "off", 0, "0") and not (key == "monthly_fee" and out[key] == 0):
            raise _field_error(source, key, _("an installation's own version takes no monthly fee or share rules: "
                                              "those are the co-op-wide versions'"))
    return found


def _checked(source: str, key: str, check):
    try:
        return check()
    except (tariffs.TariffError, KeyError, TypeError, ValueError) as error:
        reason = _("missing {what}", what=error.args[0]) if isinstance(error, KeyError) else error
        raise _field_error(source, key, reason) from None


def read_version_file(path: Path, shown_as: str | None = None) -> dict:
    """A version file's object: EntryError names the file for unreadable text and JSON errors (line, column)."""
    source = shown_as or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EntryError(_("{source}: not UTF-8 text", source=source)) from None
    except OSError as error:
        raise EntryError(_("{source}: cannot be read ({reason})", source=source,
                           reason=error.strerror or error)) from None
    return parse_version_text(text, source)


def parse_version_text(text: str, source: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EntryError(_("{source}: line {line}, column {column}: not valid JSON ({reason})", source=source,
                           line=error.lineno, column=error.colno, reason=error.msg)) from None


@dataclass(frozen=True)
class Added:
    version: int
    valid_from: date
    text: str          # the version in words, in the active language
    installation: str = ""  # the installation's name for its own version; "" = co-op-wide

    def line(self) -> str:
        if self.installation:
            return _("tariff version {version} from {day} for {installation}: {text}", version=self.version,
                     day=self.valid_from.isoformat(), installation=self.installation, text=self.text)
        return _("tariff version {version} from {day}: {text}", version=self.version,
                 day=self.valid_from.isoformat(), text=self.text)


def add_version_json(store: Store, created_by: str, data, source: str) -> Added:
    """Store the version an object (a file's, pasted text's) describes; the same as the Tariffs page's forms."""
    return _add(store, created_by, version_kwargs(data, source, store))


def _add(store: Store, created_by: str, kwargs: dict) -> Added:
    valid_from, price = kwargs.pop("valid_from"), kwargs.pop("price_per_kwh")
    version = tariffs.add_version(store, created_by, valid_from, price, **kwargs)
    row = next((r for r in tariffs.history_rows(store) if r["version"] == version), None)
    return Added(version, valid_from, row["change"] if row else "",
                 row["installation"] if row and kwargs.get("installation_id") else "")


def version_text(store: Store, version: int) -> str:
    row = next((r for r in tariffs.history_rows(store) if r["version"] == version), None)
    return row["change"] if row else ""


def add_version_text(store: Store, created_by: str, text: str, source: str) -> Added:
    """A version from pasted JSON text (the Tariffs page's "advanced")."""
    return add_version_json(store, created_by, parse_version_text(text, source), source)


def history_lines(store: Store) -> list[str]:
    """`tariff list`: every version, newest first, one tab-separated line each, in the active language."""
    lines = []
    for row in tariffs.history_rows(store):
        fields = [str(row["version"]), row["valid_from"].isoformat(), row["change"], row["installation"],
                  _("monthly fee {fee}", fee=row["monthly_fee"]),
                  _("standby: {rule}", rule=row["standby_shared"]), _("other loads: {rule}", rule=row["rest_shared"]),
                  row["entered"], row["note"]]
        lines.append("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields).rstrip("\t"))
    return lines


# -- a formula from the page's form ---------------------------------------------------------------------

@dataclass
class FormulaForm:
    """The Tariffs page's formula form, as entered (prices as text, NOK per kWh excl. VAT)."""
    kind: str = "formula"                      # formula | cost_price
    price_area: str = "NO1"
    spot: bool = True
    markup: str = ""
    grid: bool = True
    grid_day: str = ""
    grid_night: str = ""
    night_from: int = 22
    night_to: int = 6
    weekend_is_night: bool = True
    holiday_is_night: bool = True
    winter_months: list[int] = field(default_factory=list)
    winter_day: str = ""
    winter_night: str = ""
    tax: str = ""
    tax_from: date | None = None
    tax_steps: list[dict] = field(default_factory=list)      # the current formula's, kept
    enova: str = ""
    enova_from: date | None = None
    enova_steps: list[dict] = field(default_factory=list)
    vat: bool = True
    support: bool = True
    support_share: str = "0.90"
    support_year: int = 2026
    support_threshold: str = ""
    support_thresholds: dict[str, str] = field(default_factory=dict)  # other years, kept
    norgespris: bool = False
    norgespris_from: date | None = None
    norgespris_until: date | None = None  # its last day; None: open
    norgespris_price: str = "0.40"
    capacity: bool = False
    capacity_rule: str = "top3_days"
    capacity_steps: list[dict] = field(default_factory=list)   # {"from_kw", "to_kw", "per_month"}
    share_capacity: bool = False


# What a new formula form starts with where no formula version exists yet (README; check them).
SUPPORT_THRESHOLDS = {"2024": "0.73", "2025": "0.75", "2026": "0.77"}


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from an editable table's empty cell
        return True
    return isinstance(value, str) and not value.strip()


def _text(value) -> str:
    return "" if _blank(value) else str(value).strip()


def _merged_steps(kept: list[dict], price: str, start: date | None) -> list[dict]:
    steps = {s["from"]: s for s in kept}
    if not _blank(price):
        if start is None:
            raise EntryError(_("give the date the price applies from"))
        steps[start.isoformat()] = {"from": start.isoformat(), "per_kwh": _text(price)}
    return [steps[k] for k in sorted(steps)]


def formula_json(form: FormulaForm) -> dict:
    """The formula JSON the form describes (checked by pricing.formula.parse when stored)."""
    if form.kind == "cost_price":
        return {"kind": "cost_price"}
    out: dict = {"kind": "formula", "price_area": form.price_area}
    if form.spot:
        out["spot"] = True
    if not _blank(form.markup):
        out["markup_per_kwh"] = _text(form.markup)
    if form.grid:
        grid = {"day": _text(form.grid_day), "night": _text(form.grid_night) or _text(form.grid_day),
                "night_hours": [int(form.night_from), int(form.night_to)],
                "weekend_is_night": bool(form.weekend_is_night), "holiday_is_night": bool(form.holiday_is_night)}
        if form.winter_months:
            grid["winter_months"] = sorted(int(m) for m in form.winter_months)
            for key, value in (("winter_day", form.winter_day), ("winter_night", form.winter_night)):
                if not _blank(value):
                    grid[key] = _text(value)
        out["grid"] = grid
    for key, price, start, kept in (("consumption_tax", form.tax, form.tax_from, form.tax_steps),
                                    ("enova_fee", form.enova, form.enova_from, form.enova_steps)):
        steps = _merged_steps(kept, price, start)
        if steps:
            out[key] = steps
    out["vat_rate"] = "0.25" if form.vat else "0"
    if form.support and form.spot:
        thresholds = dict(form.support_thresholds)
        if not _blank(form.support_threshold):
            thresholds[str(form.support_year)] = _text(form.support_threshold)
        out["support"] = {"share": _text(form.support_share) or "0.90", "threshold_by_year": thresholds}
    if form.norgespris:
        if form.norgespris_from is None:
            raise EntryError(_("Norgespris needs the date it applies from"))
        out["norgespris"] = {"from": form.norgespris_from.isoformat(), "per_kwh": _text(form.norgespris_price)}
        if form.norgespris_until is not None:
            out["norgespris"]["until"] = form.norgespris_until.isoformat()
    if form.capacity:
        steps = []
        for row in form.capacity_steps:
            if all(_blank(row.get(k)) for k in ("from_kw", "to_kw", "per_month")):
                continue
            step = {"from_kw": _text(row.get("from_kw")) or "0", "per_month": _text(row.get("per_month"))}
            if not _blank(row.get("to_kw")):
                step["to_kw"] = _text(row.get("to_kw"))
            steps.append(step)
        out["capacity"] = {"rule": form.capacity_rule, "steps": steps,
                           "share_with_residents": bool(form.share_capacity)}
    return out


def form_defaults(store: Store, installation_id: str | None = None) -> FormulaForm:
    """A formula form filled from the newest formula version (of the installation's chain when one is given,
    so a change starts from what is in force), else the defaults above."""
    chain = tariffs.periods(store)
    if installation_id:
        chain = tariffs.chain_of(chain, tariffs.installation_chains(store), installation_id)
    newest = next((p.formula for p in reversed(chain)
                   if p.formula is not None and p.formula.kind == "formula"), None)
    form = FormulaForm(support_thresholds=dict(SUPPORT_THRESHOLDS),
                       support_threshold=SUPPORT_THRESHOLDS.get(str(date.today().year), ""),
                       support_year=date.today().year)
    if newest is None:
        return form
    data = newest.as_json()
    form.price_area = newest.price_area or "NO1"
    form.spot = newest.spot
    form.markup = data.get("markup_per_kwh", "")
    form.grid = newest.grid is not None
    if newest.grid:
        g = data["grid"]
        form.grid_day, form.grid_night = g["day"], g["night"]
        form.night_from, form.night_to = g["night_hours"]
        form.weekend_is_night, form.holiday_is_night = g["weekend_is_night"], g["holiday_is_night"]
        form.winter_months = list(g.get("winter_months", []))
        form.winter_day, form.winter_night = g.get("winter_day", ""), g.get("winter_night", "")
    form.tax_steps = data.get("consumption_tax", [])
    form.enova_steps = data.get("enova_fee", [])
    form.vat = bool(newest.vat_rate)
    form.support = bool(newest.support_share)
    if newest.support_share:
        form.support_share = data["support"]["share"]
        form.support_thresholds = {**SUPPORT_THRESHOLDS, **data["support"]["threshold_by_year"]}
        form.support_threshold = form.support_thresholds.get(str(form.support_year), "")
    form.norgespris = newest.norgespris is not None
    if newest.norgespris:
        form.norgespris_from, form.norgespris_price = newest.norgespris.valid_from, data["norgespris"]["per_kwh"]
        form.norgespris_until = newest.norgespris_until
    form.capacity = newest.capacity is not None
    if newest.capacity:
        form.capacity_rule = newest.capacity.rule
        form.capacity_steps = data["capacity"]["steps"]
        form.share_capacity = newest.capacity.share_with_residents
    return form


def add_formula_version(store: Store, created_by: str, valid_from: date, form: FormulaForm, *, monthly_fee="0",
                        note: str | None = None, standby_share: str = "off", rest_share: str = "off",
                        installation_id: str | None = None) -> Added:
    """The Tariffs page's formula form stored as a new version (FormulaError/EntryError name the field);
    with `installation_id` that installation's own version (its monthly fee and share rules are ignored:
    the co-op-wide versions' apply)."""
    if installation_id:
        if installation_id_of(store, installation_id) != installation_id:
            raise EntryError(_("installation: no installation {id} (known: {known})", id=repr(installation_id),
                               known=", ".join(r[0] for r in store.rows("installations_all")) or _("none yet")))
        monthly_fee, standby_share, rest_share = "0", "off", "off"
    return _add(store, created_by, {"valid_from": valid_from, "price_per_kwh": "0",
                                    "formula": pricing_formula.parse(formula_json(form)),
                                    "monthly_fee": monthly_fee or "0", "note": note or None,
                                    "standby_share": standby_share, "rest_share": rest_share,
                                    "installation_id": installation_id or None})


# -- cost-price months (the co-op's invoices) ------------------------------------------------------------

def cost_price_per_kwh(amount: Decimal, kwh: Decimal) -> Decimal | None:
    """A month's price: kr / kWh, rounded half up to 6 decimals; None without kWh."""
    if not kwh:
        return None
    return (Decimal(amount) / Decimal(kwh)).quantize(PRICE_DIGITS, rounding=ROUND_HALF_UP)


def _month(value) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        return date.fromisoformat(f"{text}-01") if len(text) == 7 else date.fromisoformat(text).replace(day=1)
    except ValueError:
        raise EntryError(_("month: not a month (YYYY-MM): {value}", value=repr(value))) from None


def _amount(value, what: str, places: int, *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, AttributeError):
        raise EntryError(_("{what}: not a number: {value}", what=what, value=repr(value))) from None
    if not number.is_finite() or number < 0 or (positive and number == 0) or number >= Decimal("1e11"):
        raise EntryError(_("{what}: must be a number above 0, not {value}", what=what, value=repr(value)) if positive
                         else _("{what}: must be a number ≥ 0, not {value}", what=what, value=repr(value)))
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise EntryError(_("{what}: takes at most {places} decimals, not {value}", what=what, places=places,
                           value=repr(value)))
    return number


@dataclass(frozen=True)
class CostPriceEntry:
    entry: int
    installation_id: str
    month: date
    meter_id: str
    amount: Decimal
    kwh: Decimal

    def line(self) -> str:
        return _("{installation} {month}, meter {meter}: {amount} for {kwh} ({price} per kWh) entered",
                 installation=self.installation_id, month=self.month.strftime("%Y-%m"), meter=self.meter_id,
                 amount=formats.money(self.amount), kwh=formats.kwh(self.kwh, 3),
                 price=formats.decimal(cost_price_per_kwh(self.amount, self.kwh), 4))


def add_cost_price(store: Store, entered_by: str, installation_id: str, month, meter_id: str, amount,
                   kwh) -> CostPriceEntry:
    """One invoice month for one meter (kr incl. VAT as invoiced, kWh); a new entry for the same
    installation, month and meter replaces the earlier one (which is kept)."""
    installation_id = (installation_id or "").strip()
    if not store.one("installation_by_id", installation_id=installation_id):
        known = ", ".join(r[0] for r in store.rows("installations_all")) or _("none yet")
        raise EntryError(_("installation: no installation {id} (known: {known})", id=repr(installation_id),
                           known=known))
    meter_id = (meter_id or "").strip()
    if not meter_id or len(meter_id) > MAX_METER_ID or any(ord(c) < 32 for c in meter_id):
        raise EntryError(_("meter: give the meter's id or number as on the invoice (one line, at most {n} "
                           "characters)", n=MAX_METER_ID))
    if not entered_by:
        raise EntryError(_("an invoice month needs the name of whoever enters it"))
    first = _month(month)
    if not date(2000, 1, 1) <= first <= date(2100, 12, 1):
        raise EntryError(_("month: not a month (YYYY-MM): {value}", value=repr(month)))
    money = _amount(amount, "amount", 2)
    energy = _amount(kwh, "kwh", 3, positive=True)
    with store.transaction() as cur:
        from chargeboard.store import query_text  # noqa: PLC0415

        row = cur.execute(query_text("cost_price_entry_add"), {
            "installation_id": installation_id, "month": first, "meter_id": meter_id, "amount": money,
            "kwh": energy, "entered_by": entered_by}).fetchone()
    return CostPriceEntry(int(row[0]), installation_id, first, meter_id, money, energy)


def cost_price_rows(store: Store) -> list[dict]:
    """The entered months, newest first: installation, month, meters, kr, kWh, price per kWh (exact)."""
    return [{"installation": name, "installation_id": iid, "month": month, "meters": meters,
             "amount": Decimal(amount), "kwh": Decimal(kwh), "price_per_kwh": cost_price_per_kwh(amount, kwh),
             "entered": _("{moment} UTC by {who}", moment=formats.moment(at, "UTC"), who=by)}
            for iid, name, month, meters, amount, kwh, at, by in store.rows("cost_price_entry_months")]


def cost_price_table(store: Store) -> list[dict]:
    """The Tariffs page's table of entered months, as a person reads them (active language)."""
    return [{"installation": r["installation"], "month": formats.month_long(r["month"]), "meters": r["meters"],
             "amount": formats.money(r["amount"]), "kwh": formats.kwh(r["kwh"], 3),
             "price_per_kwh": formats.decimal(r["price_per_kwh"], 4) if r["price_per_kwh"] is not None else "",
             "entered": r["entered"]} for r in cost_price_rows(store)]


def installation_choices(store: Store) -> dict[str, str]:
    """Installation id → name, for the invoice form."""
    return {iid: name for iid, name, _zone in store.rows("installations_all")}
