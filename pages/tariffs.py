"""Tariffs: prices per kWh with validity periods, night bands, fixed fee (system owner).
Every change is a new version; nothing is overwritten."""

import datetime

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, periods, tariffs, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import N_, _  # noqa: E402
from chargeboard.pricing import formula as pricing_formula  # noqa: E402
from chargeboard.pricing import spot, tariff_entry  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Tariffs"))
st.caption(_("A change adds a version (who, when); statements say which versions they used, and can be "
           "recomputed as they were before a change."))
if saved := st.session_state.pop("tariff_saved", None):
    st.success(saved)

chains = tariffs.in_force(store())
current = chains[0][1]
st.subheader(_("Prices in force"))
if current or len(chains) > 1:
    # _() on a share rule's title: the tariffs module's titles are English msgids (or already translated).
    # One chain per installation: the co-op-wide one, then each installation with formula versions of its own.
    st.dataframe([{_("installation"): chain_name, _("from"): formats.day(p.valid_from),
                   _("until"): "" if p.valid_to.year == 9999 else
                   formats.day(p.valid_to), _("price"): p.describe,
                   _("monthly fee"): formats.money(p.monthly_fee, p.currency),
                   _("standby shared"): _(tariffs.SHARE_RULES[p.standby_share]),
                   _("other loads shared"): _(tariffs.SHARE_RULES[p.rest_share]),
                   _("version"): p.version, _("entered by"): p.created_by}
                  for chain_name, chain in chains for p in chain],
                 hide_index=True, width="stretch")
else:
    st.info(_("No tariff yet: statements show 0 for energy until a price is entered."))

st.subheader(_("Enter a price (new version)"))
with st.form("tariff"):
    a, b, c = st.columns(3)
    valid_from = a.date_input(_("Valid from (local date)"), periods.local_today().replace(day=1),
                              format=widgets.date_input_format())
    price = b.text_input(_("Price per kWh"), placeholder=_("e.g. 1.85"))
    currency = c.text_input(_("Currency"), current[-1].currency if current else tariffs.DEFAULT_CURRENCY, max_chars=3)
    a, b, c = st.columns(3)
    fee = a.text_input(_("Fixed fee per resident per month"), "0")
    night = b.checkbox(_("Cheaper hours (time of use)"))
    band_price = c.text_input(_("Price in those hours"), placeholder=_("e.g. 1.10"))
    a, b, c = st.columns(3)
    band_from = a.number_input(_("From hour (local)"), 0, 23, 22)
    band_to = b.number_input(_("To hour (exclusive)"), 0, 23, 6)
    withdraw = c.checkbox(_("Withdraw the period starting on that date instead"))
    rules = list(tariffs.SHARE_RULES)
    a, b = st.columns(2)
    standby_share = a.selectbox(_("Statements share the chargers' standby"), rules, format_func=widgets.shown_as(tariffs.SHARE_RULES))
    rest_share = b.selectbox(_("Statements share other loads and losses"), rules, format_func=widgets.shown_as(tariffs.SHARE_RULES))
    note = st.text_input(_("Note (why)"))
    if st.form_submit_button(_("Save new version"), type="primary"):
        bands = [{"from_hour": band_from, "to_hour": band_to, "price": band_price}] if night else None
        try:
            version = tariffs.add_version(store(), scope.username, valid_from, price or "0", bands=bands,
                                          monthly_fee=fee or "0", currency=currency, note=note or None,
                                          withdrawn=withdraw, standby_share=standby_share, rest_share=rest_share)
        except (tariffs.TariffError, KeyError, ValueError) as error:
            st.error(_("Not saved: {error}", error=error))
        else:
            st.session_state["tariff_saved"] = _("Saved as version {version}.", version=version)
            st.rerun()


# -- issue 29: the bill's formula, cost prices ------------------------------------------------------------

KINDS = {"formula": N_("The bill's formula (spot, grid, taxes, strømstøtte)"),
         "cost_price": N_("Cost price from the co-op's invoices")}
RULES = {"top3_days": N_("Mean of the top 3 hours on 3 different days"), "max_hour": N_("The single highest hour")}
MONTHS = {m: formats.month_name(datetime.date(2026, m, 1)) for m in range(1, 13)}


def formula_section() -> None:
    """A formula or cost-price version without writing JSON (pricing.tariff_entry builds and checks it)."""
    st.subheader(_("Enter the bill's formula (new version)"))
    st.caption(_("All prices are NOK per kWh excluding VAT, as the invoices list them (a point or a comma both "
                 "work). A new version starts from the formula in force; earlier tax steps are kept."))
    if saved := st.session_state.pop("formula_saved", None):
        st.success(saved)
    kind = st.radio(_("Kind"), list(KINDS), format_func=widgets.shown_as(KINDS), horizontal=True,
                    key="formula_kind", help=_("The bill's formula prices each hour (or quarter) as the co-op's bill "
                                               "does. A cost price is simpler: each month's price per kWh from the "
                                               "co-op's own invoices (enter them under Cost prices below)."))
    choices = tariff_entry.installation_choices(store())
    installation = st.selectbox(_("For"), [None, *choices], key="formula_installation",
                                format_func=lambda v: choices.get(v, v) if v else _("co-op-wide (every installation)"),
                                help=_("An installation in another price area (or with another grid company) gets "
                                       "a formula of its own; the others keep the co-op-wide one. The monthly fee "
                                       "and the share rules stay the co-op-wide versions'."))
    form = tariff_entry.form_defaults(store(), installation)
    form.kind = kind
    with st.form("tariff_formula"):
        a, b = st.columns(2)
        valid_from = a.date_input(_("Valid from (local date)"), periods.local_today().replace(day=1),
                                  format=widgets.date_input_format(), key="formula_valid_from")
        own = installation is not None  # (an installation's own version: the fee and shares are the co-op-wide ones)
        fee = b.text_input(_("Fixed fee per resident per month"), "0", key="formula_fee", disabled=own)
        if kind == "formula":
            formula_fields(form)
        rules = list(tariffs.SHARE_RULES)
        a, b = st.columns(2)
        standby_share = a.selectbox(_("Statements share the chargers' standby"), rules, key="formula_standby",
                                    format_func=widgets.shown_as(tariffs.SHARE_RULES), disabled=own)
        rest_share = b.selectbox(_("Statements share other loads and losses"), rules, key="formula_rest",
                                 format_func=widgets.shown_as(tariffs.SHARE_RULES), disabled=own)
        note = st.text_input(_("Note (why)"), key="formula_note")
        if st.form_submit_button(_("Save formula version"), type="primary"):
            try:
                added = tariff_entry.add_formula_version(store(), scope.username, valid_from, form, monthly_fee=fee,
                                                         note=note, standby_share=standby_share,
                                                         rest_share=rest_share, installation_id=installation)
            except (tariff_entry.EntryError, pricing_formula.FormulaError, tariffs.TariffError, ValueError) as error:
                st.error(_("Not saved: {error}", error=error))
            else:
                st.session_state["formula_saved"] = (
                    _("Saved as version {version} for {installation}: {text}", version=added.version,
                      installation=added.installation, text=added.text) if added.installation else
                    _("Saved as version {version}: {text}", version=added.version, text=added.text))
                st.rerun()
    with st.expander(_("Advanced: paste the JSON")):
        st.caption(_("The same JSON as `python -m chargeboard tariff set FILE.json` reads (README: Tariff versions "
                     "as JSON)."))
        text = st.text_area(_("Tariff version (JSON)"), key="formula_json", height=200)
        if st.button(_("Save the pasted version"), key="formula_json_save"):
            try:
                added = tariff_entry.add_version_text(store(), scope.username, text, _("the pasted JSON"))
            except (tariff_entry.EntryError, pricing_formula.FormulaError, tariffs.TariffError) as error:
                st.error(_("Not saved: {error}", error=error))
            else:
                st.session_state["formula_saved"] = _("Saved as version {version}: {text}", version=added.version,
                                                      text=added.text)
                st.rerun()


def formula_fields(form: tariff_entry.FormulaForm) -> None:
    """The formula's fields, written into `form` (read by tariff_entry.formula_json)."""
    a, b, c = st.columns(3)
    form.price_area = a.selectbox(_("Price area"), pricing_formula.PRICE_AREAS, key="formula_area",
                                  index=pricing_formula.PRICE_AREAS.index(form.price_area),
                                  help=_("The spot price area of the co-op's meter: NO1 east, NO2 south, NO3 "
                                         "middle, NO4 north, NO5 west. The electricity invoice names it."))
    form.spot = b.checkbox(_("Spot price"), form.spot, key="formula_spot",
                           help=_("The area's market price for each hour (each quarter hour since 1 October "
                                  "2025), excl. VAT, from the spot prices loaded on this page."))
    form.markup = c.text_input(_("Supplier's markup per kWh"), form.markup, key="formula_markup",
                               placeholder=_("e.g. 0.05"),
                               help=_("The supplier's markup (påslag) on the spot price, excl. VAT."))
    form.grid = st.checkbox(_("Grid energy part"), form.grid, key="formula_grid",
                            help=_("The grid company's price per kWh (energiledd), excl. VAT; cheaper at night."))
    a, b, c, d = st.columns(4)
    form.grid_day = a.text_input(_("Grid day price"), form.grid_day, key="formula_grid_day", placeholder=_("e.g. 0.36"))
    form.grid_night = b.text_input(_("Grid night price"), form.grid_night, key="formula_grid_night",
                                   placeholder=_("e.g. 0.26"))
    form.night_from = c.number_input(_("Night from hour (local)"), 0, 23, form.night_from, key="formula_night_from")
    form.night_to = d.number_input(_("Night to hour (exclusive)"), 0, 23, form.night_to, key="formula_night_to",
                                   help=_("22 to 6 is a night that wraps midnight: 22:00–05:59."))
    a, b = st.columns(2)
    form.weekend_is_night = a.checkbox(_("Weekends at the night price"), form.weekend_is_night, key="formula_weekend",
                                       help=_("Many grid companies charge the night price all day on Saturdays "
                                              "and Sundays."))
    form.holiday_is_night = b.checkbox(_("Public holidays at the night price"), form.holiday_is_night,
                                       key="formula_holiday",
                                       help=_("Norwegian public holidays (Easter, 17 May, Christmas Day …) at the "
                                              "night price all day."))
    a, b, c = st.columns(3)
    form.winter_months = a.multiselect(_("Winter months"), list(MONTHS), form.winter_months, key="formula_winter",
                                       format_func=MONTHS.get,
                                       help=_("Months with their own (usually higher) grid prices; leave empty if "
                                              "the price is the same all year."))
    form.winter_day = b.text_input(_("Winter day price"), form.winter_day, key="formula_winter_day")
    form.winter_night = c.text_input(_("Winter night price"), form.winter_night, key="formula_winter_night")
    a, b, c, d = st.columns(4)
    tax_help = _("The state's consumption tax (elavgift) per kWh excl. VAT and the date it applies from; "
                 "earlier steps stay. Now: {steps}", steps=steps_text(form.tax_steps))
    form.tax = a.text_input(_("Consumption tax per kWh"), "", key="formula_tax", help=tax_help)
    form.tax_from = b.date_input(_("Tax from"), periods.local_today().replace(month=1, day=1), key="formula_tax_from",
                                 format=widgets.date_input_format())
    enova_help = _("The Enova fee per kWh excl. VAT (1 øre for households) and the date it applies from. Now: "
                   "{steps}", steps=steps_text(form.enova_steps))
    form.enova = c.text_input(_("Enova fee per kWh"), "", key="formula_enova", help=enova_help)
    form.enova_from = d.date_input(_("Enova fee from"), periods.local_today().replace(month=1, day=1),
                                   key="formula_enova_from", format=widgets.date_input_format())
    form.vat = st.radio(_("VAT"), [True, False], index=0 if form.vat else 1, horizontal=True, key="formula_vat",
                        format_func=lambda on: "25 %" if on else "0 %",
                        help=_("25 % in most of Norway; none on electricity for households in most of "
                               "Nord-Norge.")) is True
    a, b, c = st.columns(3)
    form.support = a.checkbox(_("Strømstøtte (electricity support)"), form.support, key="formula_support",
                              help=_("The state pays 90 % of the hourly spot price above a threshold (per year, "
                                     "excl. VAT; VAT is added where VAT applies). Housing co-ops get it on the "
                                     "shared meter, also for residents' charging, so statements show it as a "
                                     "negative line."))
    form.support_share = b.text_input(_("Share the state pays"), form.support_share, key="formula_support_share",
                                      help=_("0.90 for 90 %."))
    form.support_threshold = c.text_input(_("This year's threshold ({year})", year=form.support_year),
                                          form.support_threshold, key="formula_support_threshold",
                                          help=_("The spot price above which the state pays, NOK per kWh excl. VAT."))
    a, b, d, c = st.columns(4)
    form.norgespris = a.checkbox(_("Norgespris"), form.norgespris, key="formula_norgespris",
                                 help=_("A fixed price (40 øre per kWh excl. VAT) the co-op may have chosen instead "
                                        "of the spot price: from its date no spot price and no strømstøtte."))
    form.norgespris_from = b.date_input(_("Norgespris from"), form.norgespris_from or datetime.date(2025, 10, 1),
                                        key="formula_norgespris_from", format=widgets.date_input_format())
    form.norgespris_until = d.date_input(_("Norgespris until (last day, optional)"), form.norgespris_until,
                                         key="formula_norgespris_until", format=widgets.date_input_format())
    form.norgespris_price = c.text_input(_("Norgespris per kWh"), form.norgespris_price, key="formula_norgespris_price")
    a, b = st.columns(2)
    form.capacity = a.checkbox(_("Capacity part (kapasitetsledd)"), form.capacity, key="formula_capacity",
                               help=_("The grid company's monthly fee set by the month's highest hourly loads. "
                                      "Charging cars often set those peaks, so one evening of many cars can raise "
                                      "the whole month's fee."))
    form.capacity_rule = b.selectbox(_("Capacity rule"), list(RULES), key="formula_capacity_rule",
                                     index=list(RULES).index(form.capacity_rule), format_func=widgets.shown_as(RULES))
    steps = st.data_editor(form.capacity_steps or [{"from_kw": "0", "to_kw": "2", "per_month": ""}],
                           num_rows="dynamic", key="formula_capacity_steps", column_config={
                               "from_kw": st.column_config.TextColumn(_("From kW")),
                               "to_kw": st.column_config.TextColumn(_("To kW (empty: and above)")),
                               "per_month": st.column_config.TextColumn(_("kr per month (incl. VAT)"))})
    form.capacity_steps = steps.to_dict("records") if hasattr(steps, "to_dict") else list(steps)
    form.share_capacity = st.checkbox(_("Share the charging's capacity cost with residents"), form.share_capacity,
                                      key="formula_capacity_share",
                                      help=_("Residents pay the capacity cost the chargers caused, in proportion to "
                                             "their energy in the peak hours."))


def steps_text(steps: list[dict]) -> str:
    return "; ".join(f"{s['per_kwh']} ({s['from']})" for s in steps) or "–"


def cost_price_section() -> None:
    """The co-op's invoices, month by month, for cost-price tariffs."""
    st.subheader(_("Cost prices (invoices)"))
    st.caption(_("For a cost-price tariff: each month's electricity and grid invoices per meter, kr including VAT "
                 "and kWh. The month's price per kWh is their kr / kWh; a new entry for the same month and meter "
                 "replaces the earlier one."))
    if saved := st.session_state.pop("cost_price_saved", None):
        st.success(saved)
    choices = tariff_entry.installation_choices(store())
    last_month = periods.add_months(periods.local_today().replace(day=1), -1)
    with st.form("cost_price"):
        a, b, c = st.columns(3)
        installation = a.selectbox(_("Installation"), list(choices), format_func=choices.get, key="cost_installation")
        month = b.text_input(_("Month (YYYY-MM)"), last_month.strftime("%Y-%m"), key="cost_month")
        meter = c.text_input(_("Meter (as on the invoice)"), key="cost_meter")
        a, b = st.columns(2)
        amount = a.text_input(_("Invoiced kr (incl. VAT)"), key="cost_amount", placeholder=_("e.g. 12345.67"))
        kwh = b.text_input(_("Invoiced kWh"), key="cost_kwh", placeholder=_("e.g. 5432.1"))
        if st.form_submit_button(_("Save invoice month")):
            try:
                entry = tariff_entry.add_cost_price(store(), scope.username, installation or "", month, meter, amount,
                                                    kwh)
            except tariff_entry.EntryError as error:
                st.error(_("Not saved: {error}", error=error))
            else:
                st.session_state["cost_price_saved"] = entry.line()
                st.rerun()
    st.dataframe(tariff_entry.cost_price_table(store()), hide_index=True, width="stretch", column_config={
        "installation": _("Installation"), "month": _("Month"), "meters": _("Meters"), "amount": _("Invoiced"),
        "kwh": _("kWh"), "price_per_kwh": _("Price per kWh"), "entered": _("Entered")})


formula_section()
cost_price_section()

st.subheader(_("History (every version)"))
st.dataframe(tariffs.history_rows(store()), hide_index=True, width="stretch", column_config={
    "version": _("Version"), "installation": _("Installation"), "valid_from": widgets.date_column(_("Valid from")),
    "change": _("Price"), "monthly_fee": _("Monthly fee"), "standby_shared": _("Standby shared"),
    "rest_shared": _("Other loads shared"), "note": _("Note"), "entered": _("Entered")})

st.subheader(_("Spot prices"))
st.caption(_("The price areas' spot prices per hour or quarter hour, in NOK per kWh excluding VAT, for tariffs "
             "that use the spot price. Load the price API's day files (JSON) or ENTSO-E day-ahead files (XML), or "
             "fetch days from the price API. Loading a file again changes nothing; a newer price for an interval "
             "replaces the stored one."))
for done, lines in st.session_state.pop("spot_results", []):
    (st.success if done else st.warning)("\n\n".join(lines))
prices = spot.overview(store())
for line in prices.freshness:
    st.caption(line)
if prices.coverage:
    st.dataframe([{_("price area"): c.area, _("first day"): formats.day(c.first_day),
                   _("last day"): formats.day(c.last_day), _("intervals"): formats.integer(c.intervals),
                   _("interval length"): c.resolution} for c in prices.coverage], hide_index=True, width="stretch")
else:
    st.info(_("No spot prices loaded yet."))

areas = [None, *spot.AREAS]
with st.form("spot_upload", clear_on_submit=True):
    uploads = st.file_uploader(_("Price files (JSON or XML)"), type=["json", "xml"], accept_multiple_files=True)
    a, b = st.columns(2)
    upload_area = a.selectbox(_("Price area"), areas, format_func=lambda v: v or _("as the file says"))
    rate = b.text_input(_("EUR→NOK rate (ENTSO-E XML only)"), placeholder=_("e.g. 11.50"))
    if st.form_submit_button(_("Load price files")) and uploads:
        st.session_state["spot_results"] = spot.import_uploads(store(), [(f.name, f.getvalue()) for f in uploads],
                                                               upload_area, rate, scope.username)
        st.rerun()

with st.form("spot_fetch"):
    today = periods.local_today()
    a, b, c = st.columns(3)
    fetch_area = a.selectbox(_("Price area"), spot.AREAS, key="fetch_area",
                             index=spot.AREAS.index(prices.schedule.area) if prices.schedule else 0)
    fetch_from = b.date_input(_("From (local date)"), today, format=widgets.date_input_format())
    fetch_to = c.date_input(_("To (included)"), today + datetime.timedelta(days=1), format=widgets.date_input_format())
    if st.form_submit_button(_("Fetch prices")):
        outcome = spot.fetch(store(), fetch_area, fetch_from, fetch_to,
                             prices.schedule.api_url if prices.schedule else spot.DEFAULT_API_URL,
                             fetched_by=scope.username)
        st.session_state["spot_results"] = [(outcome.ok, outcome.lines())]
        st.rerun()

with st.form("spot_schedule"):
    a, b, c = st.columns(3)
    daily = a.checkbox(_("Fetch every day"), bool(prices.schedule and prices.schedule.enabled),
                       help=_("From 14:00 the next day's prices, and any day of the last week that lacks prices; "
                              "at most once an hour."))
    daily_area = b.selectbox(_("Price area"), spot.AREAS, key="daily_area",
                             index=spot.AREAS.index(prices.schedule.area) if prices.schedule else 0)
    api_url = c.text_input(_("Price API address"), prices.schedule.api_url if prices.schedule else spot.DEFAULT_API_URL)
    if st.form_submit_button(_("Save")):
        try:
            spot.set_schedule(store(), daily_area, daily, api_url, scope.username)
        except spot.PriceFileError as error:
            st.error(_("Not saved: {error}", error=error))
        else:
            st.session_state["spot_results"] = [(True, [_("Saved.")])]
            st.rerun()
