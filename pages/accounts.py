"""Accounts (system owner): add residents and charger owners with pickers from the store, change a
role, remove an account, lift a login lock, and the record of every change."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import account_admin, accounts  # noqa: E402 — nothing runs before the guard
from chargeboard.scope import CHARGER_OWNER, RESIDENT, ROLE_TITLES, ROLES  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title("Accounts")
st.caption("Every change takes effect at once: a removed account, or one whose role changed, is logged out "
           "everywhere. The same changes can be made with `python -m chargeboard user`.")
if added := st.session_state.pop("account_added", None):
    st.success(f"Added {added[0]}. Their one-time password (shown only now): `{added[1]}`")
if done := st.session_state.pop("account_done", None):
    st.success(done)

rows = account_admin.account_rows()
st.dataframe(rows, hide_index=True, width="stretch")
usernames = [r["username"] for r in rows]

choices = account_admin.choices(store(), scope)
st.subheader("Add a resident or charger owner")
with st.form("add_account", clear_on_submit=True):
    a, b, c = st.columns(3)
    username = a.text_input("Username (lower case)")
    name = b.text_input("Name")
    role = c.selectbox("Role", [RESIDENT, CHARGER_OWNER], format_func=ROLE_TITLES.get)
    email = st.selectbox("E-mail in the charger feed", list(choices.emails), index=None,
                         format_func=choices.emails.get, placeholder="Pick the feed user's e-mail")
    stations = st.multiselect("Stations they own (charger owner)", list(choices.stations),
                              format_func=choices.stations.get)
    installations = st.multiselect("Installations", list(choices.installations),
                                   format_func=choices.installations.get)
    if st.form_submit_button("Add account"):
        try:
            password = account_admin.add_account(scope.username, username.strip(), name=name, role=role,
                                                 email=email or "", stations=stations, installations=installations)
        except accounts.AccountError as error:
            st.error(str(error))
        else:
            st.session_state["account_added"] = (username.strip(), password)
            st.rerun()

st.subheader("Change a role or remove an account")
with st.form("change_account"):
    a, b = st.columns(2)
    who = a.selectbox("Account", usernames, index=None)
    new_role = b.selectbox("New role", ROLES, format_func=ROLE_TITLES.get)
    a, b = st.columns(2)
    change = a.form_submit_button("Change role")
    remove = b.form_submit_button("Remove account")
    if (change or remove) and who:
        try:
            if change:
                accounts.set_role(who, new_role, by=scope.username)
                st.session_state["account_done"] = f"{who} is now {ROLE_TITLES[new_role]}; their logins have ended."
            else:
                accounts.remove_user(who, by=scope.username)
                st.session_state["account_done"] = f"Removed {who}; their logins have ended."
        except accounts.AccountError as error:
            st.error(str(error))
        else:
            st.rerun()

st.subheader("Login locks")
locks = account_admin.lock_rows()
if locks:
    st.dataframe(locks, hide_index=True, width="stretch")
    with st.form("lift_lock"):
        lock = st.selectbox("Lock", [row["lock"] for row in locks])
        if st.form_submit_button("Lift the lock"):
            try:
                accounts.lift_lock(lock, by=scope.username)
            except accounts.AccountError as error:  # ended by itself meanwhile
                st.error(str(error))
            else:
                st.session_state["account_done"] = f"Lifted the login lock {lock}."
                st.rerun()
else:
    st.caption(f"No username or client is locked ({accounts.MAX_FAILURES} failed logins lock one for "
               f"{accounts.LOCK_SECONDS // 60} minutes).")

st.subheader("Changes")
st.dataframe(accounts.changes(), hide_index=True, width="stretch")
