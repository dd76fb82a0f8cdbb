"""Statements: what each resident pays for a period (system owner: everyone; others: their own)."""

import pandas as pd
import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, i18n, pdf, periods, statements, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.billing import dwelling_exports, dwelling_statements  # noqa: E402
from chargeboard.i18n import _, ngettext  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Statements"))
if scope.is_system_owner:  # the feature function refuses anyone else too
    with st.expander(_("Co-op details on statements")):
        issuer = statements.issuer(store())
        with st.form("stmt_issuer"):
            issuer_name = st.text_input(_("Co-op name"), value=issuer.name, max_chars=statements.ISSUER_NAME_MAX)
            issuer_address = st.text_area(_("Address, one line each (e.g. street, postcode and town, "
                                            "organisation number)"), value=issuer.address,
                                          max_chars=statements.ISSUER_ADDRESS_MAX)
            save_issuer = st.form_submit_button(_("Save co-op details"))
        if save_issuer:
            try:
                issuer = statements.set_issuer(store(), scope, issuer_name, issuer_address)
                st.success(_("Saved: statements printed from now on show these details."))
            except statements.StatementError as error:
                st.error(_("Not saved: {reason}.", reason=error))
        st.caption(_("Every PDF statement prints this at its top left:"))
        st.text("\n".join([issuer.name, *issuer.address.splitlines()]))
# Per dwelling beside per user (issue 30): the system owner's switch when there are dwellings; a resident
# linked to a dwelling opens on their dwelling's statement.
views = dwelling_exports.views(store(), scope)
view = st.radio(_("Statements"), views, format_func=dwelling_exports.view_title, horizontal=True, key="stmt_view",
                label_visibility="collapsed") if views else "user"
with st.container(border=True):
    left, right = st.columns([1, 2])
    date_from, date_to = widgets.period("period", statements.DEFAULT_PERIOD, left, right,
                                        tuple(p for p in periods.PRESETS if p != "All time"))
    standby_share = rest_share = payer_rule = None
    if view == "dwelling":
        if scope.is_system_owner:
            rules = dwelling_statements.PAYER_RULES
            payer_rule = st.selectbox(_("Who pays"), rules, format_func=dwelling_exports.payer_rule_title,
                                      index=rules.index(dwelling_exports.page_payer_rule(store(), scope, None)),
                                      key="stmt_payer_rule")
    elif scope.is_system_owner:
        rules = [None, *statements.SHARE_RULES]
        # _() on a rule's title: the tariffs module's titles are English msgids (or already translated).
        label = {None: _("as the tariff says"), **{k: _(v) for k, v in statements.SHARE_RULES.items()}}  # translated now
        a, b = st.columns(2)
        standby_share = a.selectbox(_("Share the chargers' standby"), rules, format_func=label.get, key="stmt_standby")
        rest_share = b.selectbox(_("Share other loads and losses"), rules, format_func=label.get, key="stmt_rest",
                                 help=_("The rest the meter measured beyond the sessions and the standby estimate "
                                      "(see Meter reconciliation). A negative rest is never shared."))

if view == "dwelling":
    rule = dwelling_exports.page_payer_rule(store(), scope, payer_rule)
    wanted_pdf = (date_from, date_to, rule, store().data_version(), i18n.current())
    try:
        shown = dwelling_exports.page(store(), scope, date_from, date_to, rule, widgets.csv_dialect(),
                                      with_pdf=st.session_state.get("stmt_dwelling_pdf_wanted") == wanted_pdf)
    except (dwelling_statements.BillingError, statements.StatementError) as error:
        st.error(_("No statement per dwelling: {reason}.", reason=error))
        st.stop()
    ds = shown.statements
    for note in ds.notes:
        st.info(formats.text_in_markdown(note))
    if not shown.lines:
        st.info(_("No charging of your dwelling in this period, so there is no statement."))
        st.stop()
    cur = ds.currency
    cols = st.columns(4)
    cols[0].metric(_("Total") if scope.is_system_owner else _("Your dwelling's total"), formats.money(ds.total, cur))
    cols[1].metric(_("Dwelling lines"), formats.integer(len(shown.billed)))
    cols[2].metric(_("Energy"), formats.kwh(sum((p.energy_kwh for p in shown.billed), 0), 3))
    cols[3].metric(_("Of which VAT"), formats.money(ds.vat, cur))
    table = pd.DataFrame(dwelling_exports.table_rows(shown.billed),
                         columns=[key for key, _title, _kind in dwelling_exports.SUMMARY_COLUMNS])
    for column in ("energy_kwh", "energy_cost", "fixed_fee", "amount", "vat"):
        table[column] = pd.to_numeric(table[column])
    st.dataframe(widgets.formatted(table, {"sessions": widgets.number(), "energy_kwh": widgets.number(3),
                                           **{k: widgets.number(2) for k in ("energy_cost", "fixed_fee", "amount",
                                                                             "vat")}}),
                 hide_index=True, width="stretch", key="stmt_dwelling_table",
                 column_order=widgets.readable_order(table.columns, first=("dwelling", "payer", "amount"),
                                                     last=("section", "share_number")),
                 column_config={key: _(title) for key, title, _kind in dwelling_exports.SUMMARY_COLUMNS})
    if nowhere := shown.nowhere:
        st.info(ngettext("{n} session ({kwh}, {amount}) belongs to no dwelling: listed in the files, billed to no one.",
                         "{n} sessions ({kwh}, {amount}) belong to no dwelling: listed in the files, billed to no one.",
                         nowhere.line.sessions, kwh=formats.kwh(nowhere.energy_kwh, 3),
                         amount=formats.money(nowhere.line.amount, cur)))
    with st.expander(_("What the lines mean")):
        st.markdown("\n".join(f"- **{formats.text_in_markdown(title)}**: {formats.text_in_markdown(text)}"
                               for title, text in shown.meanings))
    rows = len(shown.lines)
    a, b, c = st.columns(3)
    widgets.download(_("Download as Excel"), shown.workbook[0], shown.workbook[1], key="stmt_dwelling_xlsx", where=a,
                     what="Dwelling statements", rows=rows, store=store(), scope=scope, primary=True)
    widgets.download(_("Download as CSV"), shown.csv[0], shown.csv[1], key="stmt_dwelling_csv", where=b,
                     what="Dwelling statements (CSV)", rows=rows, store=store(), scope=scope, mime="text/csv")
    if shown.pdf is not None:
        widgets.download(_("Download as PDF"), shown.pdf[0], shown.pdf[1], key="stmt_dwelling_pdf", where=c,
                         what="Dwelling statements (PDF)", rows=rows, store=store(), scope=scope, mime=pdf.PDF_MIME)
    elif c.button(_("Prepare PDF statements"), key="stmt_dwelling_pdf_prepare"):
        st.session_state["stmt_dwelling_pdf_wanted"] = wanted_pdf
        st.rerun()
    st.stop()

result = statements.build_statements(store(), scope, statements.StatementRequest(
    date_from, date_to, standby_share=standby_share, rest_share=rest_share))
for note in result.notes:
    st.info(formats.text_in_markdown(note))  # notes name installations (feed text)
if not result.lines:
    st.info(_("No charging in this period, so there is no statement."))
    st.stop()

cur = result.currency
if scope.is_system_owner:
    cols = st.columns(4)
    cols[0].metric(_("Total"), formats.money(result.total, cur))
    cols[1].metric(_("Statements"), formats.integer(len(result.lines)))
    cols[2].metric(_("Energy cost"), formats.money(result.totals["energy_cost"], cur))
    cols[3].metric(_("Fixed fees"), formats.money(result.totals["fixed_fee"], cur))
else:
    mine = result.lines[0]
    cols = st.columns(3)
    cols[0].metric(_("You pay"), formats.money(sum((x.total for x in result.lines), 0), cur))
    cols[1].metric(_("Energy"), formats.kwh(mine.energy_kwh, 3),
                   help=ngettext("{n} session", "{n} sessions", mine.sessions, n=formats.integer(mine.sessions)))
    cols[2].metric(_("Fixed fee"), formats.money(mine.fixed_fee, cur))

# (beside a formula tariff's period: the energy cost by component after the total, e.g. spot, VAT, strømstøtte)
COMPONENT_KEYS = [f"component_{c}" for c in result.components]
MONEY = (*statements.money_fields(result), "total", *COMPONENT_KEYS)
rows = pd.DataFrame([dict(zip(["name", "email", "sessions", "energy_kwh", *MONEY], r, strict=True))
                     for r in statements.summary_rows(result)])
for column in ("energy_kwh", *MONEY):  # Decimals as numbers: the table sorts by value, shows formats' text
    rows[column] = pd.to_numeric(rows[column])
st.dataframe(widgets.formatted(rows, {"sessions": widgets.number(), "energy_kwh": widgets.number(3),
                                      **{k: widgets.number(2) for k in MONEY}}),
             hide_index=True, width="stretch", key="stmt_table",
             column_order=widgets.readable_order(rows.columns, first=("name", "total"), last=("email",)),
             column_config={
                 "name": _("Resident"), "email": _("E-mail"), "sessions": _("Sessions"),
                 "energy_kwh": _("Energy (kWh)"), "energy_cost": _("Energy cost ({currency})", currency=cur),
                 "fixed_fee": _("Fixed fee"), "standby_share": _("Standby share"),
                 "rest_share": _("Other loads share"), "capacity_share": _("Capacity share"), "total": _("Total ({currency})", currency=cur),
                 **dict(zip(COMPONENT_KEYS, statements.component_titles(result), strict=True))})
if explained := statements.meanings(result):
    with st.expander(_("What the lines mean")):
        st.markdown("\n".join(f"- **{formats.text_in_markdown(title)}**: {formats.text_in_markdown(text)}"
                               for title, text in explained))
prices = "; ".join(_("{installation} from {day}: {price}", installation=p.installation, day=formats.day(p.valid_from),
                       price=p.describe) if p.installation else
                   _("from {day}: {price}, fee {fee} per active month", day=formats.day(p.valid_from),
                     price=p.describe, fee=formats.money(p.monthly_fee, cur)) for p in result.periods_used)
st.caption((_("Prices: {prices}.", prices=prices) + " " if prices else "") +
           _("Tariffs as of {moment} UTC. Amounts are rounded once; the rows add up exactly to "
             "the totals.", moment=formats.moment(result.as_of)))

label = _("Download statements workbook (Excel)") if scope.is_system_owner else _("Download my statement (Excel)")
# Up to a co-op's worth of statements the workbook is built with the page; beyond, with the PDFs below.
workbook_with_page = len(result.lines) <= statements.BUILT_WITH_PAGE
if workbook_with_page:
    workbook, name = statements.workbook(store(), scope, result, log=False)
    widgets.download(label, workbook, name, key="stmt_xlsx", what="Statements", rows=len(result.lines),
                     store=store(), scope=scope, primary=True)
text, csv_name = statements.csv_text(store(), scope, result, log=False, dialect=widgets.csv_dialect())
widgets.download(_("Download as CSV"), text.encode("utf-8"), csv_name, key="stmt_csv", what="Statements (CSV)", rows=len(result.lines),
                 store=store(), scope=scope, mime="text/csv")

# PDF: a resident's own is built with the page; everyone's (tens of PDFs) only when asked for.
if scope.is_system_owner:
    r = result.request
    wanted = (r.date_from, r.date_to, r.standby_share, r.rest_share, store().data_version(), i18n.current())
    prepared = st.session_state.get("stmt_pdfs")
    if prepared and prepared[0] == wanted:
        (pdf_data, pdf_name), (zip_data, zip_name), built_workbook = prepared[1:]
        if built_workbook is not None:
            widgets.download(label, built_workbook[0], built_workbook[1], key="stmt_xlsx", what="Statements",
                             rows=len(result.lines), store=store(), scope=scope, primary=True)
        a, b = st.columns(2)
        widgets.download(_("Download all statements (one PDF)"), pdf_data, pdf_name, key="stmt_pdf", where=a,
                         what="Statements (PDF)", rows=len(result.lines), store=store(), scope=scope,
                         mime=pdf.PDF_MIME)
        widgets.download(_("Download a PDF per resident (ZIP)"), zip_data, zip_name, key="stmt_zip", where=b,
                         what="Statements (PDF, ZIP)", rows=len(result.lines), store=store(), scope=scope,
                         mime=pdf.ZIP_MIME)
    elif st.button(_("Prepare PDF statements") if workbook_with_page else _("Prepare PDF statements and the workbook"),
                   key="stmt_pdf_prepare"):
        with st.spinner(_("Printing the statements…")):
            st.session_state["stmt_pdfs"] = (
                wanted, pdf.statements_pdf(store(), scope, result, log=False),
                pdf.statements_zip(store(), scope, result, log=False),
                None if workbook_with_page else statements.workbook(store(), scope, result, log=False))
        st.rerun()
else:
    pdf_data, pdf_name = pdf.statements_pdf(store(), scope, result, log=False)
    widgets.download(_("Download my statement (PDF)"), pdf_data, pdf_name, key="stmt_pdf", what="Statements (PDF)",
                     rows=len(result.lines), store=store(), scope=scope, mime=pdf.PDF_MIME)
