"""Dwellings (system owner): the register of dwellings, their dated owners and the feed users, RFID tags and
stations that belong to them; a sale; the register's CSV; the sessions that belong to no dwelling."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, periods, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.billing import dwellings  # noqa: E402
from chargeboard.i18n import N_, _  # noqa: E402
from chargeboard.web import store  # noqa: E402

if not scope.see_all:  # the guard refuses other roles; the register is the system owner's alone
    st.error(_("This page is not available to your role."))
    st.stop()

KIND_TITLES = {"tag": N_("RFID tag"), "user": N_("Feed user"), "station": N_("Charging station")}


def _day(value) -> str:
    return formats.day(value) if value else "…"


def _error(error: dwellings.DwellingError) -> None:
    st.error(_("Not saved: {error}", error="\n\n".join(error.shown())))


def _done(text: str) -> None:
    st.session_state["dwelling_saved"] = text
    st.rerun()


st.title(_("Dwellings"))
st.caption(_("Who owns each dwelling, and which feed users, RFID tags and stations belong to it, with dates. "
             "A session belongs to a dwelling by its RFID tag first, then its feed user, then its station. "
             "Every change is logged."))
if saved := st.session_state.pop("dwelling_saved", None):
    st.success(saved)

known = dwellings.installations(store())
if not known:
    st.info(_("No installation yet: load a feed first (Data sources)."))
    st.stop()
names = {row[0]: row[1] for row in known}
installation = st.selectbox(_("Installation"), list(names), format_func=names.get)
today = periods.local_today(next(row[2] for row in known if row[0] == installation))
listed = dwellings.register(store(), installation, today)
by_id = {d.dwelling_id: d for d in listed}

st.subheader(_("Register on {day}", day=formats.day(today)))
if listed:
    st.dataframe([{_("Dwelling"): d.number, _("Section"): d.section_number or "", _("Share number"): d.share_number or "",
                   _("Owners"): "; ".join(f"{o.name} ({o.email or '–'})" for o in d.owners),
                   _("Members"): "; ".join(f"{_(KIND_TITLES[m.kind])}: {m.member_id}" for m in d.members),
                   _("Note"): d.note or ""} for d in listed], hide_index=True, width="stretch")
else:
    st.info(_("No dwellings yet: add one below or upload the register as CSV."))

add_tab, owner_tab, sale_tab, member_tab, csv_tab, unassigned_tab = st.tabs([
    _("Add a dwelling"), _("Owners"), _("Sale"), _("Members"), _("CSV upload"), _("Sessions with no dwelling")])

with add_tab, st.form("dwelling_add"):
    a, b, c = st.columns(3)
    number = a.text_input(_("Dwelling number"))
    section = b.text_input(_("Section"))
    share = c.text_input(_("Share number"))
    note = st.text_input(_("Note"))
    if st.form_submit_button(_("Add dwelling"), type="primary"):
        try:
            dwellings.add_dwelling(store(), scope.username, installation, number, section, share, note)
        except dwellings.DwellingError as error:
            _error(error)
        else:
            _done(_("Dwelling {number} added.", number=number))


def _pick(label: str, key: str) -> int | None:
    if not listed:
        st.info(_("No dwellings yet: add one below or upload the register as CSV."))
        return None
    return st.selectbox(label, list(by_id), format_func=lambda i: by_id[i].number, key=key)


with owner_tab:
    picked = _pick(_("Dwelling"), "owner_dwelling")
    if picked is not None:
        with st.form("dwelling_owner_add"):
            a, b = st.columns(2)
            name = a.text_input(_("Owner's name"))
            email = b.text_input(_("E-mail"))
            a, b, c, d = st.columns(4)
            customer = a.text_input(_("Customer number"))
            language = b.selectbox(_("Language"), ["", *dwellings.LANGUAGES])
            valid_from = c.date_input(_("From"), today, format=widgets.date_input_format(), key="owner_from")
            valid_until = d.date_input(_("Until (first day no longer)"), None, format=widgets.date_input_format(),
                                       key="owner_until_optional")
            if st.form_submit_button(_("Add owner"), type="primary"):
                try:
                    dwellings.add_owner(store(), scope.username, picked,
                                        dwellings.NewOwner(name, email, customer, language or None), valid_from,
                                        valid_until)
                except dwellings.DwellingError as error:
                    _error(error)
                else:
                    _done(_("Owner {name} added.", name=name))
        owners = dwellings.history(store(), picked).dwelling.owners
        open_owners = [o for o in owners if o.valid_until is None or o.valid_until > today]
        if open_owners:
            with st.form("dwelling_owner_end"):
                a, b = st.columns(2)
                ending = a.selectbox(_("Owner"), open_owners, format_func=lambda o: f"{o.name} ({_day(o.valid_from)} –)")
                until = b.date_input(_("Until (first day no longer)"), today, format=widgets.date_input_format(),
                                     key="owner_until")
                if st.form_submit_button(_("End ownership")):
                    try:
                        dwellings.end_owner(store(), scope.username, ending.owner_id, until)
                    except dwellings.DwellingError as error:
                        _error(error)
                    else:
                        _done(_("Owner {name} ended.", name=ending.name))

with sale_tab:
    st.caption(_("A sale ends the owners on its date and adds the new owners from that date, in one step. "
                 "The dwelling's tags, users and stations stay with it."))
    picked = _pick(_("Dwelling"), "sale_dwelling")
    if picked is not None:
        with st.form("dwelling_sale"):
            day = st.date_input(_("Date of the sale (the new owners' first day)"), today,
                                format=widgets.date_input_format())
            buyers = []
            for n in (1, 2):
                a, b, c, d = st.columns(4)
                buyers.append(dwellings.NewOwner(
                    a.text_input(_("New owner {n}: name", n=n), key=f"buyer_name_{n}"),
                    b.text_input(_("E-mail"), key=f"buyer_email_{n}"),
                    c.text_input(_("Customer number"), key=f"buyer_customer_{n}"),
                    d.selectbox(_("Language"), ["", *dwellings.LANGUAGES], key=f"buyer_language_{n}") or None))
            if st.form_submit_button(_("Register the sale"), type="primary"):
                try:
                    dwellings.transfer(store(), scope.username, picked, [b for b in buyers if b.name.strip()], day)
                except dwellings.DwellingError as error:
                    _error(error)
                else:
                    _done(_("Sale of {number} registered.", number=by_id[picked].number))

with member_tab:
    picked = _pick(_("Dwelling"), "member_dwelling")
    if picked is not None:
        feed = dwellings.feed_members(store(), scope, installation)
        with st.form("dwelling_member_add"):
            choice = st.selectbox(_("User, tag or station from the feed"), feed, key="member_choice",
                                  format_func=lambda m: f"{_(KIND_TITLES[m[0]])}: {m[2]} ({m[1]})")
            a, b = st.columns(2)
            valid_from = a.date_input(_("From"), today, format=widgets.date_input_format(), key="member_from")
            valid_until = b.date_input(_("Until (first day no longer)"), None, format=widgets.date_input_format(),
                                       key="member_until")
            if st.form_submit_button(_("Attach"), type="primary") and choice:
                try:
                    dwellings.add_member(store(), scope.username, picked, choice[0], choice[1], valid_from,
                                         valid_until)
                except dwellings.DwellingError as error:
                    _error(error)
                else:
                    _done(_("{member} belongs to {number} from {day}.", member=choice[2],
                            number=by_id[picked].number, day=formats.day(valid_from)))
        members = [m for m in dwellings.history(store(), picked).dwelling.members
                   if m.valid_until is None or m.valid_until > today]
        if members:
            with st.form("dwelling_member_end"):
                a, b = st.columns(2)
                ending = a.selectbox(_("Member"), members,
                                     format_func=lambda m: f"{_(KIND_TITLES[m.kind])}: {m.member_id}")
                until = b.date_input(_("Until (first day no longer)"), today, format=widgets.date_input_format(),
                                     key="member_end_until")
                if st.form_submit_button(_("End membership")):
                    try:
                        dwellings.end_member(store(), scope.username, picked, ending.kind, ending.member_id, until)
                    except dwellings.DwellingError as error:
                        _error(error)
                    else:
                        _done(_("{member} ended.", member=ending.member_id))

with csv_tab:
    st.caption(_("One row per dwelling, owner or member, with dates (README: The dwelling register as CSV). "
                 "A file with a bad row stores nothing; loading the same file again changes nothing."))
    with st.form("dwelling_csv"):
        upload = st.file_uploader(_("Register CSV"), type=["csv", "txt"])
        if st.form_submit_button(_("Load register")) and upload is not None:
            try:
                result = dwellings.import_upload(store(), scope.username, upload.name, upload.getvalue())
            except dwellings.DwellingError as error:
                _error(error)
            else:
                _done(result.line())

with unassigned_tab:
    a, b = st.columns(2)
    day_from, day_to = widgets.period("dwelling_period", "Last month", a, b)
    found = dwellings.unassigned(store(), scope, day_from, day_to, installation)
    st.metric(_("Sessions with no dwelling"), formats.integer(found.sessions))
    st.caption(_("{kwh} kWh. Listed, never dropped: attach their tag, user or station to a dwelling to bill them.",
                 kwh=formats.kwh(found.energy_kwh, 3)))
    if len(found.rows):
        widgets.table(found.rows.drop(columns=["installation_id", "installation"]), {
            "station_name": _("Station"), "user_id": _("Feed user"), "first_day": _("From"), "last_day": _("Until")})

st.subheader(_("History of one dwelling"))
picked = _pick(_("Dwelling"), "history_dwelling")
if picked is not None:
    past = dwellings.history(store(), picked)
    st.dataframe([{_("Owner"): o.name, _("E-mail"): o.email or "", _("Customer number"): o.customer_number or "",
                   _("Language"): o.language or "", _("From"): _day(o.valid_from), _("Until"): _day(o.valid_until)}
                  for o in past.dwelling.owners], hide_index=True, width="stretch")
    st.dataframe([{_("Member"): f"{_(KIND_TITLES[m.kind])}: {m.member_id}", _("From"): _day(m.valid_from),
                   _("Until"): _day(m.valid_until)} for m in past.dwelling.members], hide_index=True, width="stretch")
    st.dataframe([{_("When"): formats.moment(when), _("Who"): who, _("What"): f"{action}: {detail}"}
                  for when, who, action, detail in past.changes], hide_index=True, width="stretch")
