"""Statements: what each resident pays for a period (system owner: everyone; others: their own)."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import pdf, periods, statements, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Statements")
if scope.is_system_owner:  # the feature function refuses anyone else too
    with st.expander("Co-op details on statements"):
        issuer = statements.issuer(store())
        with st.form("stmt_issuer"):
            issuer_name = st.text_input("Co-op name", value=issuer.name, max_chars=statements.ISSUER_NAME_MAX)
            issuer_address = st.text_area("Address, one line each (e.g. street, postcode and town, "
                                          "organisation number)", value=issuer.address,
                                          max_chars=statements.ISSUER_ADDRESS_MAX)
            save_issuer = st.form_submit_button("Save co-op details")
        if save_issuer:
            try:
                issuer = statements.set_issuer(store(), scope, issuer_name, issuer_address)
                st.success("Saved: statements printed from now on show these details.")
            except statements.StatementError as error:
                st.error(f"Not saved: {error}.")
        st.caption("Every PDF statement prints this at its top left:")
        st.text("\n".join([issuer.name, *issuer.address.splitlines()]))
with st.container(border=True):
    left, right = st.columns([1, 2])
    date_from, date_to = widgets.period("period", "Last month", left, right,
                                        tuple(p for p in periods.PRESETS if p != "All time"))
    standby_share = rest_share = None
    if scope.is_system_owner:
        rules = [None, *statements.SHARE_RULES]
        label = {None: "as the tariff says", **statements.SHARE_RULES}
        a, b = st.columns(2)
        standby_share = a.selectbox("Share the chargers' standby", rules, format_func=label.get, key="stmt_standby")
        rest_share = b.selectbox("Share other loads and losses", rules, format_func=label.get, key="stmt_rest",
                                 help="The rest the meter measured beyond the sessions and the standby estimate "
                                      "(see Meter reconciliation). A negative rest is never shared.")

result = statements.build_statements(store(), scope, statements.StatementRequest(
    date_from, date_to, standby_share=standby_share, rest_share=rest_share))
for note in result.notes:
    st.info(note)
if not result.lines:
    st.info("No charging in this period, so there is no statement.")
    st.stop()

cur = result.currency
if scope.is_system_owner:
    cols = st.columns(4)
    cols[0].metric("Total", f"{result.total:,.2f} {cur}")
    cols[1].metric("Statements", f"{len(result.lines)}")
    cols[2].metric("Energy cost", f"{result.totals['energy_cost']:,.2f} {cur}")
    cols[3].metric("Fixed fees", f"{result.totals['fixed_fee']:,.2f} {cur}")
else:
    mine = result.lines[0]
    cols = st.columns(3)
    cols[0].metric("You pay", f"{sum((x.total for x in result.lines), 0):,.2f} {cur}")
    cols[1].metric("Energy", f"{mine.energy_kwh:,.3f} kWh", help=f"{mine.sessions} sessions")
    cols[2].metric("Fixed fee", f"{mine.fixed_fee:,.2f} {cur}")

rows = [dict(zip(["name", "email", "sessions", "energy_kwh", "energy_cost", "fixed_fee", "standby_share",
                  "rest_share", "total"], r, strict=True)) for r in statements.summary_rows(result)]
money = {k: st.column_config.NumberColumn(t, format="%.2f") for k, t in (
    ("energy_cost", f"Energy cost ({cur})"), ("fixed_fee", "Fixed fee"), ("standby_share", "Standby share"),
    ("rest_share", "Other loads share"), ("total", f"Total ({cur})"))}
st.dataframe(rows, hide_index=True, use_container_width=True, key="stmt_table", column_config={
    "name": "Resident", "email": "E-mail", "sessions": "Sessions",
    "energy_kwh": st.column_config.NumberColumn("Energy (kWh)", format="%.3f"), **money})
st.caption("Prices: " + "; ".join(f"from {p.valid_from}: {p.describe}, fee {p.monthly_fee} per active month"
                                  for p in result.periods_used)
           + f". Tariffs as of {result.as_of:%Y-%m-%d %H:%M} UTC. Amounts are rounded once; the rows add up "
             "exactly to the totals.")

label = "Download statements workbook (Excel)" if scope.is_system_owner else "Download my statement (Excel)"
# Up to a co-op's worth of statements the workbook is built with the page; beyond, with the PDFs below.
workbook_with_page = len(result.lines) <= statements.BUILT_WITH_PAGE
if workbook_with_page:
    workbook, name = statements.workbook(store(), scope, result, log=False)
    widgets.download(label, workbook, name, key="stmt_xlsx", what="Statements", rows=len(result.lines),
                     store=store(), scope=scope, primary=True)
text, csv_name = statements.csv_text(store(), scope, result, log=False)
widgets.download("Download as CSV", text, csv_name, key="stmt_csv", what="Statements (CSV)", rows=len(result.lines),
                 store=store(), scope=scope, mime="text/csv")

# PDF: a resident's own is built with the page; everyone's (tens of PDFs) only when asked for.
if scope.is_system_owner:
    r = result.request
    wanted = (r.date_from, r.date_to, r.standby_share, r.rest_share, store().data_version())
    prepared = st.session_state.get("stmt_pdfs")
    if prepared and prepared[0] == wanted:
        (pdf_data, pdf_name), (zip_data, zip_name), built_workbook = prepared[1:]
        if built_workbook is not None:
            widgets.download(label, built_workbook[0], built_workbook[1], key="stmt_xlsx", what="Statements",
                             rows=len(result.lines), store=store(), scope=scope, primary=True)
        a, b = st.columns(2)
        widgets.download("Download all statements (one PDF)", pdf_data, pdf_name, key="stmt_pdf", where=a,
                         what="Statements (PDF)", rows=len(result.lines), store=store(), scope=scope,
                         mime=pdf.PDF_MIME)
        widgets.download("Download a PDF per resident (ZIP)", zip_data, zip_name, key="stmt_zip", where=b,
                         what="Statements (PDF, ZIP)", rows=len(result.lines), store=store(), scope=scope,
                         mime=pdf.ZIP_MIME)
    elif st.button("Prepare PDF statements" + ("" if workbook_with_page else " and the workbook"),
                   key="stmt_pdf_prepare"):
        with st.spinner("Printing the statements…"):
            st.session_state["stmt_pdfs"] = (
                wanted, pdf.statements_pdf(store(), scope, result, log=False),
                pdf.statements_zip(store(), scope, result, log=False),
                None if workbook_with_page else statements.workbook(store(), scope, result, log=False))
        st.rerun()
else:
    pdf_data, pdf_name = pdf.statements_pdf(store(), scope, result, log=False)
    widgets.download("Download my statement (PDF)", pdf_data, pdf_name, key="stmt_pdf", what="Statements (PDF)",
                     rows=len(result.lines), store=store(), scope=scope, mime=pdf.PDF_MIME)
