"""Accounts (system owner): add residents and charger owners with pickers from the store, change a
role, remove an account, lift a login lock, the language of new accounts, the mail (SMTP) settings, and the
record of every change."""

import pandas as pd
import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import account_admin, accounts, formats, i18n, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.mail import settings as mail_settings  # noqa: E402
from chargeboard.scope import CHARGER_OWNER, RESIDENT, ROLE_TITLES, ROLES, role_title  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Accounts"))
st.caption(_("Every change takes effect at once: a removed account, or one whose role changed, is logged out "
             "everywhere. The same changes can be made with `python -m chargeboard user`."))
if added := st.session_state.pop("account_added", None):
    st.success(_("Added {username}. Their one-time password (shown only now): `{password}`",
                 username=formats.text_in_markdown(added[0]), password=added[1]))
if done := st.session_state.pop("account_done", None):
    st.success(done)

rows = account_admin.account_rows()
widgets.table(rows)
usernames = [r["username"] for r in rows]
languages = list(i18n.LANGUAGES)
default_language = account_admin.store_default_language()

choices = account_admin.choices(store(), scope)
st.subheader(_("Add a resident or charger owner"))
# The typed values stay after a refusal (the form is not cleared on submit); after an account is added the
# next round's keys give an empty form.
form_round = st.session_state.setdefault("add_account_round", 0)
with st.form("add_account", clear_on_submit=False):
    a, b, c, d = st.columns(4)
    username = a.text_input(_("Username (lower case)"), key=f"add_username_{form_round}")
    name = b.text_input(_("Name"), key=f"add_name_{form_round}")
    role = c.selectbox(_("Role"), [RESIDENT, CHARGER_OWNER], format_func=widgets.shown_as(ROLE_TITLES),
                       key=f"add_role_{form_round}")
    language = d.selectbox(_("Language"), languages, index=languages.index(default_language),
                           format_func=i18n.LANGUAGES.get, help=_("The language the app speaks to them; they can "
                                                                  "change it themselves."),
                           key=f"add_language_{form_round}")
    email = st.selectbox(_("E-mail in the charger feed"), list(choices.emails), index=None,
                         format_func=choices.emails.get, placeholder=_("Pick the feed user's e-mail"),
                         key=f"add_email_{form_round}")
    stations = st.multiselect(_("Stations they own (charger owner)"), list(choices.stations),
                              format_func=choices.stations.get, placeholder=_("None"), key=f"add_stations_{form_round}")
    installations = st.multiselect(_("Installations"), list(choices.installations),
                                   format_func=choices.installations.get, placeholder=_("None"),
                                   key=f"add_installations_{form_round}")
    if st.form_submit_button(_("Add account")):
        try:
            password = account_admin.add_account(scope.username, username, name=name, role=role,
                                                 email=email or "", stations=stations, installations=installations,
                                                 language=language)
        except accounts.AccountError as error:
            st.error(str(error))
        else:
            st.session_state["account_added"] = (accounts.normal_username(username), password)
            st.session_state["add_account_round"] = form_round + 1
            st.rerun()

st.subheader(_("Change a role or remove an account"))
with st.form("change_account"):
    a, b = st.columns(2)
    who = a.selectbox(_("Account"), usernames, index=None, placeholder=_("Choose an account"))
    new_role = b.selectbox(_("New role"), ROLES, format_func=widgets.shown_as(ROLE_TITLES))
    a, b = st.columns(2)
    change = a.form_submit_button(_("Change role"))
    remove = b.form_submit_button(_("Remove account"))
    if (change or remove) and who:
        try:
            if change:
                accounts.set_role(who, new_role, by=scope.username)
                st.session_state["account_done"] = _("{username} is now {role}; their logins have ended.",
                                                     username=who, role=role_title(new_role))
            else:
                accounts.remove_user(who, by=scope.username)
                st.session_state["account_done"] = _("Removed {username}; their logins have ended.", username=who)
        except accounts.AccountError as error:
            st.error(str(error))
        else:
            st.rerun()

st.subheader(_("Language of new accounts"))
with st.form("default_language"):
    chosen = st.selectbox(_("New accounts read the app in"), languages, index=languages.index(default_language),
                          format_func=i18n.LANGUAGES.get,
                          help=_("Each person can change their own language in the sidebar. The login page "
                                 "follows the browser's language, else this one."))
    if st.form_submit_button(_("Save the default language")) and chosen != default_language:
        accounts.set_default_language(chosen, by=scope.username)
        st.session_state["account_done"] = _("New accounts now read the app in {language}.",
                                             language=i18n.LANGUAGES[chosen])
        st.rerun()

st.subheader(_("Login locks"))
locks = account_admin.lock_rows()
if locks:
    widgets.table(locks, column_config={"who": _("Username"),
                                        "until": widgets.datetime_column(_("Locked until (UTC)"))})
    with st.form("lift_lock"):
        lock = st.selectbox(_("Lock"), [row["lock"] for row in locks])
        if st.form_submit_button(_("Lift the lock")):
            try:
                accounts.lift_lock(lock, by=scope.username)
            except accounts.AccountError as error:  # ended by itself meanwhile
                st.error(str(error))
            else:
                st.session_state["account_done"] = _("Lifted the login lock {lock}.", lock=lock)
                st.rerun()
else:
    st.caption(_("No username is locked ({failures} failed logins lock one for {minutes} minutes; "
                 "failures from one client only slow it down).",
                 failures=accounts.MAX_FAILURES, minutes=formats.integer(accounts.LOCK_SECONDS // 60)))

st.subheader(_("E-mail (SMTP)"))
mail = mail_settings.get_settings(store(), scope)
st.caption(_("The server the app sends statements, invitations and alerts through. The password is stored "
             "encrypted, like the charger-cloud logins, and never shown again."))
with st.form("mail_settings"):
    a, b, c = st.columns([3, 1, 2])
    host = a.text_input(_("SMTP server"), value=mail.host if mail else "", placeholder="smtp.example.no")
    port = b.number_input(_("Port"), min_value=1, max_value=65535, step=1, value=mail.port if mail else 587)
    security = c.selectbox(_("Security"), mail_settings.SECURITY,
                           index=mail_settings.SECURITY.index(mail.security) if mail else 0,
                           format_func=widgets.shown_as(mail_settings.SECURITY_TITLES))
    a, b = st.columns(2)
    smtp_user = a.text_input(_("SMTP user name"), value=mail.username if mail else "")
    smtp_password = b.text_input(_("SMTP password"), type="password",
                                 placeholder=_("stored — leave empty to keep it") if mail and mail.has_password else "")
    sender = st.text_input(_("Sender"), value=mail.sender if mail else "",
                           placeholder="Borettslaget <styret@example.no>")
    forget = st.checkbox(_("Remove the stored password"), value=False) if mail and mail.has_password else False
    if st.form_submit_button(_("Save the mail settings")):
        try:
            mail_settings.save_settings(store(), scope, host=host, port=port, security=security, username=smtp_user,
                                        password="" if forget else (smtp_password or None), sender=sender,
                                        by=scope.username)
        except mail_settings.MailError as error:
            st.error(str(error))
        else:
            st.session_state["account_done"] = _("Saved the mail settings.")
            st.rerun()
if mail:
    with st.form("mail_test"):
        to = st.text_input(_("Send a test mail to"), placeholder="styret@example.no")
        if st.form_submit_button(_("Send a test mail")):
            try:
                sent, answer = mail_settings.send_test(store(), scope, to)
            except mail_settings.MailError as error:
                st.error(str(error))
            else:
                if sent:
                    st.success(_("Test mail sent to {address}: {answer}", address=to, answer=answer))
                else:
                    st.error(_("The test mail was not sent: {reason}", reason=answer))

st.subheader(_("Changes"))
changes = pd.DataFrame([accounts.change_shown(entry) for entry in accounts.changes()])
if "at" in changes:  # ISO text in the record; a date and time in the reader's format on the page
    changes["at"] = pd.to_datetime(changes["at"], utc=True, errors="coerce")
widgets.table(changes)
