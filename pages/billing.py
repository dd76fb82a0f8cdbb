"""Billing (system owner): the board's monthly routine — the billing settings, close a period (with a
preview), the runs and what they say, the files for whoever collects the money, the statements by e-mail,
and reopening a run."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, i18n, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.billing import (  # noqa: E402
    billing_settings,
    files,
    invoices,
    kid,
    mailing,
    model,
    overview,
    runs,
)
from chargeboard.billing.dwelling_statements import PAYER_RULES, BillingError  # noqa: E402
from chargeboard.i18n import _, ngettext  # noqa: E402
from chargeboard.mail import sender  # noqa: E402
from chargeboard.mail import settings as mail_settings  # noqa: E402
from chargeboard.web import store  # noqa: E402

if not scope.is_system_owner:  # the guard refuses other roles; billing is the system owner's alone
    st.error(_("This page is not available to your role."))
    st.stop()

MONEY = {_("Amount incl. VAT"): widgets.number(2), _("VAT"): widgets.number(2), "kWh": widgets.number(3)}
rule_title = widgets.shown_as(overview.RULE_TITLES)


def _done(text: str, run_id: int | None = None) -> None:
    st.session_state["billing_done"] = text
    if run_id is not None:
        st.session_state["billing_run"] = run_id
    st.rerun()


st.title(_("Billing"))
st.caption(_("Bill each dwelling's charging: close a period, hand the files to whoever collects the money, and "
             "e-mail each owner their statement."))
widgets.help_expanders(overview.MONTHLY_ROUTINE)
if done := st.session_state.pop("billing_done", None):
    st.success(done)
for line in st.session_state.pop("billing_mail_report", []):
    st.info(line)

# -- (a) the billing settings ------------------------------------------------------------------------------
current = billing_settings.read(store())
with st.expander(_("Billing settings"), expanded=current.updated_at is None):
    with st.form("billing_settings"):
        a, b = st.columns(2)
        payer_rule = a.selectbox(_("Who pays"), PAYER_RULES, index=PAYER_RULES.index(current.payer_rule),
                                 format_func=rule_title, key="bs_rule")
        minimum = b.text_input(_("Minimum amount (smaller amounts are carried over)"),
                               value=str(current.minimum_amount), key="bs_minimum")
        a, b, c = st.columns(3)
        account = a.text_input(_("Account number"), value=kid.account_text(current.account_number)
                               if current.account_number else "", key="bs_account")
        kid_method = b.selectbox(_("KID method"), kid.METHODS, index=kid.METHODS.index(current.kid_method),
                                 key="bs_kid_method")
        kid_layout = c.selectbox(_("KID layout"), kid.LAYOUTS, index=kid.LAYOUTS.index(current.kid_layout),
                                 key="bs_kid_layout")
        a, b, c = st.columns(3)
        due_days = a.number_input(_("Days to the due date"), min_value=0, max_value=billing_settings.DUE_DAYS_MAX,
                                  value=current.due_days, step=1, key="bs_due_days")
        vat_rate = b.text_input(_("VAT rate (%)"), value=f"{current.vat_rate * 100:g}", key="bs_vat")
        line_text = c.text_input(_("Line text"), value=current.line_text or "",
                                 placeholder=billing_settings.DEFAULT_LINE_TEXT, key="bs_line_text")
        if st.form_submit_button(_("Save the billing settings")):
            try:
                billing_settings.save(store(), scope, by=scope.username, payer_rule=payer_rule, minimum_amount=minimum,
                                      account_number=account, kid_method=kid_method, kid_layout=kid_layout,
                                      due_days=due_days, vat_rate=vat_rate, line_text=line_text)
            except billing_settings.BillingSettingsError as error:
                st.error(_("Not saved: {error}", error=error))
            else:
                _done(_("Saved the billing settings."))

# -- (b) close a period ------------------------------------------------------------------------------------
st.subheader(_("1. Close a period"))
first, last = overview.last_month()
a, b, c, d = st.columns(4)
date_from = a.date_input(_("From"), first, key="bill_from", format=widgets.date_input_format())
date_to = b.date_input(_("To (included)"), last, key="bill_to", format=widgets.date_input_format())
rule = c.selectbox(_("Who pays"), PAYER_RULES, index=PAYER_RULES.index(current.payer_rule), format_func=rule_title,
                   key="bill_rule")
minimum_text = d.text_input(_("Minimum amount"), value=str(current.minimum_amount), key="bill_minimum")
try:
    frame, nowhere, total, currency = overview.preview(store(), scope, date_from, date_to, rule)
except runs.PeriodClosed as error:  # the usual case once last month is billed: no preview, no Close button
    st.info(_("Already billed: {reason}", reason=error))
except BillingError as error:
    st.error(str(error))
else:
    cols = st.columns(3)
    cols[0].metric(_("Dwellings to bill"), formats.integer(len(frame)))
    cols[1].metric(_("Total"), formats.money(total, currency))
    cols[2].metric(_("Sessions with no dwelling"), formats.integer(nowhere),
                   help=_("Billed to no one: attach their tag, user or station to a dwelling first."))
    if len(frame):
        st.dataframe(widgets.formatted(frame, MONEY), hide_index=True, width="stretch", key="bill_preview")
    with st.form("bill_close", clear_on_submit=True):
        sure = st.checkbox(_("I have checked the preview: close {first} – {last} for good",
                             first=formats.day(date_from), last=formats.day(date_to)), key="bill_close_sure")
        if st.form_submit_button(_("Close the period"), type="primary"):
            if not sure:
                st.warning(_("Tick the box to confirm first."))
            else:
                try:
                    run_minimum = billing_settings.checked(current, minimum_amount=minimum_text).minimum_amount
                    closed = runs.close(store(), scope, date_from, date_to, payer_rule=rule,
                                        minimum_amount=run_minimum, by=scope.username)
                except (BillingError, billing_settings.BillingSettingsError) as error:
                    st.error(_("Not closed: {error}", error=error))
                else:
                    _done(_("Closed: billing run {run}.", run=closed), closed)

# -- (c) the runs ------------------------------------------------------------------------------------------
st.subheader(_("2. Billing runs"))
heads = runs.runs(store(), scope)
if not heads:
    st.info(_("No billing run yet: close a period above."))
    st.stop()
st.dataframe(overview.runs_frame(store(), scope), hide_index=True, width="stretch", key="bill_runs")
run_ids = [h.run_id for h in heads]
wanted = st.session_state.pop("billing_run", None)
if wanted in run_ids:
    st.session_state["bill_run"] = wanted
run_id = st.selectbox(_("Run"), run_ids, key="bill_run",
                      format_func=lambda r: _("Run {run}: {period}", run=r, period=next(
                          f"{formats.day(h.period_from)} – {formats.day(h.period_to)}" for h in heads
                          if h.run_id == r)))
lines = overview.run_lines_frame(store(), scope, run_id)
if len(lines):
    st.dataframe(widgets.formatted(lines, MONEY), hide_index=True, width="stretch", key="bill_lines")
else:
    st.info(_("This run bills nothing."))
st.markdown("\n".join(f"- {formats.text_in_markdown(s)}" for s in overview.run_says(store(), scope, run_id)))
ledger = overview.ledger_frame(store(), scope)
with st.expander(_("Carry-over ledger")):
    if len(ledger):
        st.dataframe(widgets.formatted(ledger, MONEY), hide_index=True, width="stretch", key="bill_ledger")
    else:
        st.caption(_("Nothing was carried over."))

# -- (d) the files -----------------------------------------------------------------------------------------
st.subheader(_("3. Files for whoever collects the money"))
a, b = st.columns(2)
for where, fmt, label in ((a, "manager", _("Download the business manager's list (CSV)")),
                          (b, "tripletex", _("Download the Tripletex order import (CSV)"))):
    made = files.download(store(), scope, run_id, fmt, lang=i18n.current(), by=scope.username)
    widgets.download(label, made.data, made.file_name, key=f"bill_{fmt}", what=made.what, rows=made.rows,
                     store=store(), scope=scope, mime=made.mime, where=where, primary=fmt == "manager")
prepared = st.session_state.get("bill_invoices")
if prepared and prepared[0] == (run_id, i18n.current()):
    widgets.download(_("Download the invoices (ZIP of PDFs)"), prepared[1].data, prepared[1].file_name,
                     key="bill_invoices_zip", what=prepared[1].what, rows=prepared[1].rows, store=store(), scope=scope,
                     mime=prepared[1].mime)
else:
    st.caption(_("Only where the co-op invoices the residents itself: issuing gives each dwelling's payer an "
                 "invoice number and a KID (once; issuing again changes nothing)."))
    if st.button(_("Issue the invoices and prepare the ZIP"), key="bill_issue"):
        try:
            with st.spinner(_("Printing the invoices…")):
                st.session_state["bill_invoices"] = ((run_id, i18n.current()), files.download(
                    store(), scope, run_id, "invoices", lang=i18n.current(), by=scope.username))
        except (invoices.InvoiceError, files.BillingFileError) as error:
            st.error(_("No invoices: {error}", error=error))
        else:
            st.rerun()

# -- (e) e-mail --------------------------------------------------------------------------------------------
st.subheader(_("4. E-mail the statements"))
mail = mail_settings.get_settings(store(), scope)
plan = mailing.plan(store(), scope, run_id)
counts = mailing.counts(store(), scope, run_id)
cols = st.columns(5)
cols[0].metric(_("Recipients"), formats.integer(len(plan.recipients)))
for column, status in zip(cols[1:], ("sent", "refused", "failed", "sending"), strict=True):
    column.metric(sender.status_title(status), formats.integer(counts[status]))
st.caption(_("Each owner gets the invoice as a PDF.") if plan.attachment == "invoice" else
           _("Each owner gets the run's statement for their dwelling as a PDF (the invoices once they are issued)."))
if plan.missing:
    st.warning(ngettext("{n} owner cannot get theirs by e-mail: print it.",
                        "{n} owners cannot get theirs by e-mail: print theirs.", len(plan.missing)))
    st.dataframe([{_("Dwelling"): m.dwelling_number, _("Owner"): m.name or "—", _("What to do"): m.reason_text}
                  for m in plan.missing], hide_index=True, width="stretch", key="bill_missing")
if mail is None:
    st.warning(_("No mail settings yet: the system owner enters them on the [Accounts](accounts) page."))
a, b = st.columns(2)
if a.button(_("Send the statements"), type="primary", disabled=mail is None or not plan.recipients, key="bill_send"):
    try:
        with st.spinner(_("Sending…")):
            report = mailing.send_run(store(), scope, run_id, by=scope.username)
    except mail_settings.MailError as error:
        st.error(str(error))
    else:
        st.session_state["billing_mail_report"] = report.lines()
        st.rerun()
if b.button(_("Resend the failed"), disabled=mail is None or not (counts["failed"] or counts["refused"]),
            key="bill_resend"):
    try:
        with st.spinner(_("Sending…")):
            report = mailing.resend_failed_of_run(store(), scope, run_id, by=scope.username)
    except mail_settings.MailError as error:
        st.error(str(error))
    else:
        st.session_state["billing_mail_report"] = report.lines()
        st.rerun()
if counts["sending"]:
    with st.form("bill_resend_unknown", clear_on_submit=True):
        st.caption(_("Unknown: the connection broke after the message went out, or the app stopped. Ask the owner; "
                     "send again only what did not arrive."))
        checked = st.checkbox(_("I checked: these did not arrive"), key="bill_unknown_sure")
        if st.form_submit_button(_("Send the unknown ones again"), disabled=mail is None) and checked:
            try:
                report = mailing.resend_unknown_of_run(store(), scope, run_id, by=scope.username)
            except mail_settings.MailError as error:
                st.error(str(error))
            else:
                st.session_state["billing_mail_report"] = report.lines()
                st.rerun()
log = sender.log_frame(store(), scope, mailing.batch_of(run_id))
if len(log):
    widgets.table(log, key="bill_mail_log")

# -- (f) reopen --------------------------------------------------------------------------------------------
with st.expander(_("Reopen run {run}", run=run_id)):
    st.caption(_("Reopening prices the run's period again now and stores a correction run with the differences "
                 "only; the run itself never changes. It is logged."))
    with st.form("bill_reopen", clear_on_submit=True):
        sure = st.checkbox(_("Yes, reopen run {run}", run=run_id), key="bill_reopen_sure")
        if st.form_submit_button(_("Reopen")):
            if not sure:
                st.warning(_("Tick the box to confirm first."))
            else:
                try:
                    correction = runs.reopen(store(), scope, run_id, by=scope.username)
                except (BillingError, model.RunNotFound) as error:
                    st.error(_("Not reopened: {error}", error=error))
                else:
                    _done(_("Reopened: correction run {run}.", run=correction), correction)
