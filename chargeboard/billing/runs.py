"""Billing runs (issue 30, item 3): the board closes a period, and what it billed is stored for good.

close() prices the period exactly as statements do (chargeboard.billing.dwelling_statements) and stores, in
one transaction, every session it billed (billing_run_sessions: dwelling, payer, Wh, exact cost and VAT),
the fixed fees (billing_run_fees), the lines per dwelling and payer (billing_run_lines, rounded once per
column with statements.allocate), the carry-overs and a log line. A closed period never changes; later runs
bill what changed in it:

- 'late': a session dated in an earlier closed period that no run billed (an offline charger's late upload),
  dated with that period's dates and paid by whoever paid that period under that run's rule (a sale never
  moves the seller's charging onto the buyer); with the month's fixed fee where the dwelling had no other
  charging that month (no fee billed for it yet);
- 'correction': a billed session whose Wh changed (an updated copy, a voided one: the difference, paid by
  whoever was billed for it);
- 'carried_in': a dwelling's total under an earlier run's minimum (billing_carry_overs, the ledger).

Sessions that belong to no dwelling are stored with dwelling_id NULL and counted in the run's summary.
reopen() recomputes a closed period now and stores a correction run of the differences only.
Only the system owner closes, reopens and reads runs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from chargeboard import i18n, statements, tariffs
from chargeboard.billing import billing_settings, model
from chargeboard.billing.billed_rows import period_text
from chargeboard.billing.dwelling_statements import (
    PAYER_RULES,
    BillingError,
    DwellingStatements,
    dwelling_statements,
    month_end,
    month_fees,
    ownerships,
    payer_of,
    priced_sessions,
    vat_of,
    vat_rate,
)
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

KIND_ORDER = {"period": 0, "fees": 1, "late": 2, "correction": 3, "carried_in": 4}


@dataclass(frozen=True)
class Billed:
    """One row of billing_run_sessions to store (a session, or a difference of one)."""
    session_id: str
    installation_id: str
    day: date
    dwelling_id: int | None
    payer_owner_id: int | None
    energy_wh: int
    raw_cost: Decimal
    raw_vat: Decimal
    kind: str                  # 'period', 'late', 'correction'
    late: bool


@dataclass
class Line:
    dwelling_id: int
    payer_owner_id: int | None
    kind: str
    day_from: date
    day_to: date
    sessions: int = 0
    energy_wh: int = 0
    raw_amount: Decimal = Decimal(0)
    raw_vat: Decimal = Decimal(0)
    fixed: bool = False        # a carried-in amount: already rounded
    amount: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    carried_from: int | None = None


@dataclass
class _Plan:
    billed: list[Billed] = field(default_factory=list)
    fees: list[tuple[int, int | None, date, Decimal, Decimal]] = field(default_factory=list)
    lines: dict[tuple, Line] = field(default_factory=dict)
    periods: dict[int, tariffs.PricePeriod] = field(default_factory=dict)
    revisited: list[tuple[date, date]] = field(default_factory=list)

    def line(self, dwelling_id: int, payer: int | None, kind: str, day_from: date, day_to: date) -> Line:
        key = (dwelling_id, payer, kind, day_from, day_to)
        if key not in self.lines:
            self.lines[key] = Line(dwelling_id, payer, kind, day_from, day_to)
        return self.lines[key]

    def bill(self, row: Billed, day_from: date, day_to: date, *, line_kind: str | None = None) -> None:
        self.billed.append(row)
        if row.dwelling_id is None:
            return
        line = self.line(row.dwelling_id, row.payer_owner_id, line_kind or row.kind, day_from, day_to)
        line.sessions += 1 if row.kind != "correction" else 0
        line.energy_wh += row.energy_wh
        line.raw_amount += row.raw_cost
        line.raw_vat += row.raw_vat

    def use(self, used: list[tariffs.PricePeriod]) -> None:
        for p in used:
            self.periods.setdefault(p.version, p)


def _require_owner(scope: Scope) -> None:
    if not scope.is_system_owner:
        raise BillingError(_("only the system owner closes, reopens and reads billing runs"))


# -- close ----------------------------------------------------------------------------------------------

def close(store: Store, scope: Scope, period_from: date, period_to: date, *, payer_rule: str = "owner_at_end",
          minimum_amount: Decimal | str | int = 0, by: str | None = None) -> int:
    """Close [period_from, period_to] (both included): bill it, and what changed in earlier closed periods.
    Returns the new run's number. BillingError when it cannot (overlap, bad rule, not the system owner)."""
    _require_owner(scope)
    minimum = Decimal(str(minimum_amount))
    if period_to < period_from:
        raise BillingError(_("the period ends ({last}) before it starts ({first})", last=period_to,
                             first=period_from))
    if payer_rule not in PAYER_RULES:
        raise BillingError(_("payer rule must be one of {rules}, not {rule}", rules=", ".join(PAYER_RULES),
                             rule=repr(payer_rule)))
    if minimum < 0:
        raise BillingError(_("the minimum amount cannot be negative ({amount})", amount=minimum))
    refuse_closed(store, period_from, period_to)
    newest = store.one("billing_last_run_id")[0]
    ds = dwelling_statements(store, scope, period_from, period_to, payer_rule)
    plan = _Plan()
    plan.use(ds.periods_used)
    _bill_period(plan, ds)
    owners = ownerships(store)
    rate = vat_rate(store)
    for _run_id, p_from, p_to, p_rule in store.rows("billing_sessions_to_revisit", scope):
        if p_from <= period_to and p_to >= period_from:
            continue  # (cannot be: closing overlaps no regular run)
        st, sessions = priced_sessions(store, p_from, p_to)
        plan.use(list(st.periods_used))
        plan.revisited.append((p_from, p_to))
        billed = _billed_by_session(store, p_from, p_to)
        for s in sessions:
            rows = billed.pop(s.session_id, [])
            if not rows:
                payer = payer_of(owners, p_rule, s.dwelling_id, s.day, p_to)
                plan.bill(Billed(s.session_id, s.installation_id, s.day, s.dwelling_id,
                                 payer.owner_id if payer else None, s.energy_wh, s.raw_cost, s.raw_vat, "late", True),
                          p_from, p_to)
            elif sum(r.energy_wh for r in rows) != s.energy_wh:
                dwelling_id, payer_id = _billed_to(rows)
                plan.bill(Billed(s.session_id, s.installation_id, s.day, dwelling_id, payer_id,
                                 s.energy_wh - sum(r.energy_wh for r in rows),
                                 s.raw_cost - sum((r.raw_cost for r in rows), Decimal(0)),
                                 s.raw_vat - sum((r.raw_vat for r in rows), Decimal(0)), "correction", True),
                          p_from, p_to)
        for rows in billed.values():  # billed, and no longer counted in that period (voided, moved)
            for b in _undo(rows):
                plan.bill(b, p_from, p_to)
        # a month in which the dwelling charged only by late sessions: its fixed fee comes with them
        fees_billed = {(d, day.replace(day=1)) for d, _p, day, _fee, _vat in store.rows(
            "billing_billed_fees_between", day_from=p_from, day_to=p_to)}
        for (dwelling_id, month), fee in month_fees(st, p_from, sessions).items():
            if (dwelling_id, month) in fees_billed:
                continue
            payer = payer_of(owners, p_rule, dwelling_id, min(month_end(month), p_to), p_to)
            payer_id, vat = (payer.owner_id if payer else None), vat_of(fee, rate)
            plan.fees.append((dwelling_id, payer_id, max(month, p_from), fee, vat))
            line = plan.line(dwelling_id, payer_id, "late", p_from, p_to)
            line.raw_amount += fee
            line.raw_vat += vat
    carried = [r for r in store.rows("billing_carry_overs_open")]
    for c_run, dwelling_id, payer, amount, vat, c_from, c_to in carried:
        line = plan.line(dwelling_id, payer, "carried_in", c_from, c_to)
        line.fixed, line.carried_from = True, c_run
        line.amount += amount
        line.vat += vat
    unit = tariffs.minor_unit(ds.currency)
    lines = _rounded(plan, unit)
    carry_out: list[tuple[int, int | None, Decimal, Decimal]] = []
    several_payers: list[int] = []
    if minimum > 0:
        by_dwelling: dict[int, list[Line]] = defaultdict(list)
        for x in lines:
            by_dwelling[x.dwelling_id].append(x)
        for dwelling_id, own in by_dwelling.items():
            total = sum((x.amount for x in own), Decimal(0))
            if total >= minimum:
                continue
            if len({x.payer_owner_id for x in own}) > 1:
                # (a carried amount has one payer: carrying a seller's and a buyer's lines as one would move
                # one's charging onto the other, so such a dwelling is billed, and the summary says so)
                several_payers.append(dwelling_id)
                continue
            carry_out.append((dwelling_id, own[0].payer_owner_id, total, sum((x.vat for x in own), Decimal(0))))
        carried_dwellings = {c[0] for c in carry_out}
        lines = [x for x in lines if x.dwelling_id not in carried_dwellings]
    summary = {**_summary(plan, carry_out, carried, unit), "under_minimum_but_several_payers": several_payers}
    with store.transaction() as cur:
        _refuse_overlap(cur.execute(query_text("billing_runs_overlapping"),
                                    {"period_from": period_from, "period_to": period_to}).fetchall())
        _refuse_if_another_run(cur, newest)
        run_id = _store_run(cur, store, plan, lines, kind="regular", period_from=period_from, period_to=period_to,
                            payer_rule=payer_rule, minimum=minimum, currency=ds.currency, corrects=None,
                            by=by or scope.username, summary=summary)
        for dwelling_id, payer, amount, vat in carry_out:
            cur.execute(query_text("billing_carry_over_insert"), {"run_id": run_id, "dwelling_id": dwelling_id,
                                                                 "payer_owner_id": payer, "amount": amount,
                                                                 "vat": vat})
        for c_run, dwelling_id, *_rest in carried:
            cur.execute(query_text("billing_carry_over_take"), {"taken_by_run": run_id, "run_id": c_run,
                                                               "dwelling_id": dwelling_id})
        cur.execute(query_text("billing_run_event_insert"), {
            "run_id": run_id, "done_by": by or scope.username, "action": "close",
            "detail": f"{period_from}..{period_to} {payer_rule} minimum {minimum}: {len(lines)} lines, "
                      f"{len(carry_out)} carried over"})
    return run_id


def _refuse_if_another_run(cur, newest: int) -> None:
    """Another run stored since this one was priced would have billed some of the same sessions (late ones,
    corrections): then nothing is stored, and the board closes again."""
    if cur.execute(query_text("billing_last_run_id")).fetchone()[0] != newest:
        raise BillingError(_("another billing run was stored while this one was computed: nothing was stored; "
                             "try again"))


class PeriodClosed(BillingError):
    """A closed regular run already covers a day of the period."""


def refuse_closed(store: Store, period_from: date, period_to: date) -> None:
    """BillingError when a closed regular run already covers a day of the period (it cannot be closed again)."""
    _refuse_overlap(store.rows("billing_runs_overlapping", period_from=period_from, period_to=period_to))


def _refuse_overlap(rows: list[tuple]) -> None:
    if rows:
        run_id, p_from, p_to = rows[0]
        raise PeriodClosed(_("the period overlaps run {run} ({first} to {last}), which is closed: close the days "
                             "after it, or reopen that run", run=run_id, first=p_from, last=p_to))


def _bill_period(plan: _Plan, ds: DwellingStatements) -> None:
    for s, payer in ds.sessions:
        plan.bill(Billed(s.session_id, s.installation_id, s.day, s.dwelling_id, payer, s.energy_wh, s.raw_cost,
                         s.raw_vat, "period", False), ds.date_from, ds.date_to)
    for dwelling_id, payer, day, fee, vat in ds.fees:
        plan.fees.append((dwelling_id, payer, day, fee, vat))
        line = plan.line(dwelling_id, payer, "period", ds.date_from, ds.date_to)
        line.raw_amount += fee
        line.raw_vat += vat


def _billed_by_session(store: Store, day_from: date, day_to: date) -> dict[str, list[Billed]]:
    out: dict[str, list[Billed]] = defaultdict(list)
    for sid, inst, day, dwelling_id, payer, wh, raw, raw_vat, kind, _run in store.rows(
            "billing_billed_sessions_between", day_from=day_from, day_to=day_to):
        out[sid].append(Billed(sid, inst, day, dwelling_id, payer, int(wh), Decimal(raw), Decimal(raw_vat or 0),
                               kind, False))
    return out


def _billed_to(rows: list[Billed]) -> tuple[int | None, int | None]:
    """The dwelling and payer a session is billed to now: where its rows leave the most Wh (a reopening may
    have moved it), the first billed where none do."""
    net: dict[tuple, int] = {}
    for r in rows:
        net[(r.dwelling_id, r.payer_owner_id)] = net.get((r.dwelling_id, r.payer_owner_id), 0) + r.energy_wh
    return max(net, key=lambda k: net[k]) if any(net.values()) else next(iter(net))


def _undo(rows: list[Billed]) -> list[Billed]:
    """Corrections taking back what was billed for a session, per (dwelling, payer) it was billed to."""
    sums: dict[tuple, list] = {}
    for r in rows:
        s = sums.setdefault((r.dwelling_id, r.payer_owner_id), [0, Decimal(0), Decimal(0), r])
        s[0] += r.energy_wh
        s[1] += r.raw_cost
        s[2] += r.raw_vat
    return [Billed(r.session_id, r.installation_id, r.day, dwelling, payer, -wh, -raw, -vat, "correction", True)
            for (dwelling, payer), (wh, raw, vat, r) in sums.items() if wh or raw or vat]


def _rounded(plan: _Plan, unit: Decimal) -> list[Line]:
    """The lines in their order, each column rounded once over the run (statements.allocate);
    carried-in amounts were rounded by the run that carried them."""
    register_order = sorted(plan.lines.values(), key=lambda x: (x.dwelling_id, KIND_ORDER[x.kind], x.day_from,
                                                              x.payer_owner_id or 0))
    priced = [x for x in register_order if not x.fixed]
    for x, amount in zip(priced, statements.allocate([x.raw_amount for x in priced], unit), strict=True):
        x.amount = amount
    for x, vat in zip(priced, statements.allocate([x.raw_vat for x in priced], unit), strict=True):
        x.vat = vat
    return [x for x in register_order if x.fixed or x.sessions or x.energy_wh or x.raw_amount or x.amount]


def _summary(plan: _Plan, carry_out, carried, unit: Decimal) -> dict:
    def group(rows: list[Billed]) -> dict:
        return {"sessions": len(rows), "energy_wh": sum(r.energy_wh for r in rows),
                "cost": str(sum((r.raw_cost for r in rows), Decimal(0)).quantize(unit, ROUND_HALF_UP))}

    nowhere = [r for r in plan.billed if r.dwelling_id is None]
    return {
        "period": group([r for r in plan.billed if r.kind == "period"]),
        "late": {**group([r for r in plan.billed if r.kind == "late"]),
                 "periods": [[str(a), str(b)] for a, b in plan.revisited]},
        "corrections": group([r for r in plan.billed if r.kind == "correction"]),
        "no_dwelling": {**group(nowhere), "session_ids": sorted({r.session_id for r in nowhere})},
        "carried_over": [{"dwelling_id": d, "payer_owner_id": p, "amount": str(a)} for d, p, a, _v in carry_out],
        "carried_in": [{"from_run": c[0], "dwelling_id": c[1], "amount": str(c[3])} for c in carried],
        "fees": str(sum((f[3] for f in plan.fees), Decimal(0)).quantize(unit, ROUND_HALF_UP)),
    }


def _tariff_json(plan: _Plan) -> str:
    return json.dumps([{"version": p.version, "valid_from": str(p.valid_from), "valid_to": str(p.valid_to),
                        "kind": "flat" if p.formula is None else "formula",
                        "price_area": getattr(p.formula, "price_area", None) if p.formula is not None else None,
                        "monthly_fee": str(p.monthly_fee), "created_by": p.created_by,
                        "created_at": p.created_at.isoformat()} for _v, p in sorted(plan.periods.items())])


def _price_sources_json(store: Store, plan: _Plan, period_from: date, period_to: date) -> str:
    """The spot-price imports (files) the formula versions' areas were priced with over the run's days."""
    days = [(period_from, period_to), *plan.revisited]
    areas = sorted({p.formula.price_area for p in plan.periods.values()
                    if p.formula is not None and getattr(p.formula, "price_area", None)})
    out = []
    for area in areas:
        for first, last in days:
            start = datetime.combine(first - timedelta(days=1), time.min, UTC)
            end = datetime.combine(last + timedelta(days=2), time.min, UTC)
            for file_name, intervals, first_day, last_day in store.rows(
                    "spot_price_sources", area=area, starts_from=start, starts_to=end, time_zone="Europe/Oslo"):
                out.append({"area": area, "file": file_name, "intervals": intervals, "first_day": str(first_day),
                            "last_day": str(last_day)})
    return json.dumps(out)


def _store_run(cur, store: Store, plan: _Plan, lines: list[Line], *, kind: str, period_from: date,
               period_to: date, payer_rule: str, minimum: Decimal, currency: str, corrects: int | None, by: str,
               summary: dict) -> int:
    run_id = cur.execute(query_text("billing_next_run_id")).fetchone()[0]
    cur.execute(query_text("billing_run_insert"), {
        "run_id": run_id, "kind": kind, "period_from": period_from, "period_to": period_to,
        "payer_rule": payer_rule, "minimum_amount": minimum, "currency": currency, "corrects_run": corrects,
        "closed_by": by, "tariff_versions": _tariff_json(plan),
        "price_sources": _price_sources_json(store, plan, period_from, period_to), "summary": json.dumps(summary)})
    if plan.billed:
        b = plan.billed
        cur.execute(query_text("billing_run_session_insert"), {
            "run_id": run_id, "session_ids": [x.session_id for x in b],
            "installation_ids": [x.installation_id for x in b], "days": [x.day for x in b],
            "dwelling_ids": [x.dwelling_id for x in b], "payer_owner_ids": [x.payer_owner_id for x in b],
            "energy_whs": [x.energy_wh for x in b], "raw_costs": [str(x.raw_cost) for x in b],
            "lates": [x.late for x in b], "kinds": [x.kind for x in b], "raw_vats": [str(x.raw_vat) for x in b]})
    for dwelling_id, payer, day, fee, vat in plan.fees:
        cur.execute(query_text("billing_run_fee_insert"), {"run_id": run_id, "dwelling_id": dwelling_id,
                                                          "payer_owner_id": payer, "day": day, "fee": fee,
                                                          "raw_vat": vat})
    own_text, language = billing_settings.read(store).line_text, billing_settings.coop_language()
    for line_no, x in enumerate(lines, start=1):
        cur.execute(query_text("billing_run_line_insert"), {
            "run_id": run_id, "line_no": line_no, "dwelling_id": x.dwelling_id, "payer_owner_id": x.payer_owner_id,
            "kind": x.kind, "day_from": x.day_from, "day_to": x.day_to, "session_count": x.sessions,
            "energy_wh": x.energy_wh, "amount": x.amount, "vat": x.vat,
            "text": _line_text(x, own_text, language)})
    return run_id


# The texts a run keeps on its lines, in the co-op's language when the run is closed (the files, invoices
# and statements show them as kept: a closed run's files never change). A period line says the board's own
# line text (billing settings, "{period}" in it replaced), else the default.
LINE_TEXTS = {"period": N_("Charging {period}"), "late": N_("Late sessions {period}"),
              "correction": N_("Correction {period}"), "carried_in": N_("Carried over from run {run} ({period})"),
              "fees": N_("Fixed fee {period}")}


def _line_text(x: Line, own_text: str | None, language: str) -> str:
    """The line's text as stored, in `language`."""
    period = period_text(x.day_from, x.day_to)
    if x.kind == "period" and own_text:
        return own_text.replace("{period}", period)
    with i18n.language(language):
        return _(LINE_TEXTS[x.kind], period=period, run=x.carried_from)


# -- reopen ---------------------------------------------------------------------------------------------

def reopen(store: Store, scope: Scope, run_id: int, by: str | None = None) -> int:
    """A correction run of a closed regular run: its period priced again now (sessions, dwellings, payers
    and fees under its rule), compared with everything billed for it so far; only the differences are
    stored. Logged on both runs. Returns the correction run's number."""
    _require_owner(scope)
    run = model.load(store, run_id)
    if run.kind != "regular":
        raise BillingError(_("run {run} is a correction run: reopen the run it corrects ({corrects})", run=run_id,
                             corrects=run.corrects_run))
    newest = store.one("billing_last_run_id")[0]
    ds = dwelling_statements(store, scope, run.period_from, run.period_to, run.payer_rule)
    plan = _Plan()
    plan.use(ds.periods_used)
    billed = _billed_by_session(store, run.period_from, run.period_to)
    for s, payer in ds.sessions:
        rows = billed.pop(s.session_id, [])
        was: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        for r in rows:
            w = was[(r.dwelling_id, r.payer_owner_id)]
            w[0], w[1], w[2] = w[0] + r.energy_wh, w[1] + r.raw_cost, w[2] + r.raw_vat
        now_key = (s.dwelling_id, payer)
        keys = dict.fromkeys([now_key, *was])
        for key in keys:
            wh, raw, vat = was.get(key, (0, Decimal(0), Decimal(0)))
            if key == now_key:
                wh, raw, vat = s.energy_wh - wh, s.raw_cost - raw, s.raw_vat - vat
            else:
                wh, raw, vat = -wh, -raw, -vat
            if wh or raw or vat:
                kind = "late" if not rows else "correction"  # (never billed: a late session of the period)
                plan.bill(Billed(s.session_id, s.installation_id, s.day, key[0], key[1], wh, raw, vat, kind, True),
                          run.period_from, run.period_to)
    for rows in billed.values():
        for b in _undo(rows):
            plan.bill(b, run.period_from, run.period_to)
    fee_was: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for dwelling_id, payer, _day, fee, vat in store.rows("billing_billed_fees_between", day_from=run.period_from,
                                                         day_to=run.period_to):
        fee_was[(dwelling_id, payer)][0] += fee
        fee_was[(dwelling_id, payer)][1] += vat
    fee_now: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for dwelling_id, payer, _day, fee, vat in ds.fees:
        fee_now[(dwelling_id, payer)][0] += fee
        fee_now[(dwelling_id, payer)][1] += vat
    for key in dict.fromkeys([*fee_now, *fee_was]):
        fee = fee_now[key][0] - fee_was[key][0]
        vat = fee_now[key][1] - fee_was[key][1]
        if fee or vat:
            plan.fees.append((key[0], key[1], run.period_from, fee, vat))
            line = plan.line(key[0], key[1], "correction", run.period_from, run.period_to)
            line.raw_amount += fee
            line.raw_vat += vat
    unit = tariffs.minor_unit(ds.currency)
    lines = _rounded(plan, unit)
    summary = _summary(plan, [], [], unit)
    who = by or scope.username
    with store.transaction() as cur:
        _refuse_if_another_run(cur, newest)
        new_id = _store_run(cur, store, plan, lines, kind="correction", period_from=run.period_from,
                            period_to=run.period_to, payer_rule=run.payer_rule, minimum=Decimal(0),
                            currency=ds.currency, corrects=run_id, by=who, summary=summary)
        for logged, detail in ((run_id, f"reopened: correction run {new_id}"),
                               (new_id, f"corrects run {run_id}: {len(lines)} lines of differences")):
            cur.execute(query_text("billing_run_event_insert"), {"run_id": logged, "done_by": who,
                                                                "action": "reopen", "detail": detail})
    return new_id


# -- reading --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunHead:
    run_id: int
    kind: str
    period_from: date
    period_to: date
    payer_rule: str
    minimum_amount: Decimal
    currency: str
    corrects_run: int | None
    closed_at: datetime
    closed_by: str
    lines: int
    total: Decimal


def runs(store: Store, scope: Scope) -> list[RunHead]:
    """Every run, newest first (the system owner's)."""
    _require_owner(scope)
    return [RunHead(*r) for r in store.rows("billing_runs_list")]


def load(store: Store, scope: Scope, run_id: int) -> model.Run:
    """A closed run (the system owner's): model.load behind the role check."""
    _require_owner(scope)
    return model.load(store, run_id)


def summary(store: Store, scope: Scope, run_id: int) -> dict:
    """What the run says (late sessions, corrections, no dwelling, carry-overs) and what it was priced with."""
    _require_owner(scope)
    row = store.one("billing_run_summary", run_id=run_id)
    if not row:
        raise model.RunNotFound(run_id)
    return {**json.loads(row[0] or "{}"), "tariff_versions": json.loads(row[1]), "price_sources": json.loads(row[2])}


def billed_sessions(store: Store, scope: Scope, run_id: int) -> list[tuple]:
    """The rows of billing_run_sessions of a run: (session_id, installation, day, dwelling, payer, Wh, raw
    cost, raw VAT, kind, late)."""
    _require_owner(scope)
    return store.rows("billing_run_sessions_of", run_id=run_id)


def ledger(store: Store, scope: Scope) -> list[tuple]:
    """The carry-over ledger: (run, dwelling, payer, amount, VAT, taken by run or None)."""
    _require_owner(scope)
    return store.rows("billing_ledger")
