"""Data sources (system owner): upload feed files, manage installations, connect charger clouds."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import datasources, formats, onboarding, settings, sync, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Data sources"))
widgets.checklist_expander(onboarding.view(store(), scope),
                           on_show=lambda: onboarding.set_box_hidden(store(), scope, False))
upload_tab, installations_tab, clouds_tab, log_tab = st.tabs(
    [_("Upload files"), _("Installations"), _("Charger clouds"), _("Sync log")])
overview = datasources.installations(store(), scope)
names = dict(zip(overview["installation_id"], overview["name"], strict=True))

with upload_tab:
    limit = datasources.upload_limit_mb()
    st.caption(_("Zaptec charge-history JSON, the generic CSV or meter readings CSV, up to {limit} MB a file. "
                 "Each file is loaded whole or not at all, exactly as `python -m chargeboard ingest` loads it.",
                 limit=limit))
    installation = st.selectbox(_("Installation the files belong to"), [None, *names],
                                format_func={None: _("As the file says (default installation)"), **names}.get)
    round_no = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader(_("Feed files"), accept_multiple_files=True, key=f"upload_files_{round_no}")
    if st.button(_("Load files"), type="primary", disabled=not files):
        results = []
        bar = st.progress(0.0, text=_("Starting…"))
        for n, file in enumerate(files):
            def show(fraction, text, n=n):
                bar.progress(min(1.0, (n + fraction) / len(files)), text=text)
            results.append(datasources.load_upload(store(), file.name, file, file.size, installation, show))
        st.session_state["upload_results"] = results
        st.session_state["upload_round"] = round_no + 1  # an empty uploader for the next files
        st.rerun()
    for result in st.session_state.get("upload_results", []):
        if result.error:
            st.error(result.error, icon=":material/error:")
            continue
        summary = result.summary
        (st.warning if summary.needs_attention else st.success)("\n\n".join(formats.text_in_markdown(line)
                                                                              for line in summary.lines()))
        if not result.rejected.empty:
            st.caption(_("Rejected rows of {file}", file=formats.text_in_markdown(result.name)))
            if result.rejected_note:
                st.caption(result.rejected_note)
            widgets.table(result.rejected)

with installations_tab:
    widgets.table(overview, column_order=widgets.readable_order(overview.columns, first=("name",),
                                                                  last=("installation_id",)), column_config={
        "installation_id": _("Id"), "time_zone": _("Time zone"), "imports": _("Files loaded"),
        "connected_to": _("Charger cloud"), "last_sync": widgets.datetime_column(_("Last sync (UTC)")),
        "last_sync_error": _("Last sync error")})
    zones = datasources.time_zones()
    with st.form("new_installation", clear_on_submit=True):
        st.subheader(_("New installation"))
        c1, c2 = st.columns(2)
        new_name = c1.text_input(_("Name"), max_chars=100)
        new_zone = c2.selectbox(_("Time zone"), zones, index=zones.index(settings.DEFAULT_TIME_ZONE))
        if st.form_submit_button(_("Create installation")):
            try:
                datasources.create_installation(store(), new_name, new_zone)
                st.success(_("Created {name}.", name=formats.text_in_markdown(new_name)))
                st.rerun()
            except datasources.SourceError as error:
                st.error(str(error))
    if names:
        st.subheader(_("Change an installation"))
        chosen = st.selectbox(_("Installation"), list(names), format_func=names.get, key="edit_installation")
        row = overview[overview.installation_id == chosen].iloc[0]
        with st.form("edit_installation_form"):
            c1, c2 = st.columns(2)
            renamed = c1.text_input(_("Name"), value=row["name"], max_chars=100)
            zone = c2.selectbox(_("Time zone"), zones, index=zones.index(row.time_zone) if row.time_zone in zones else 0)
            if st.form_submit_button(_("Save")):
                try:
                    if renamed != row["name"]:
                        datasources.rename_installation(store(), chosen, renamed)
                    if zone != row.time_zone:
                        datasources.set_time_zone(store(), chosen, zone)
                    st.rerun()
                except datasources.SourceError as error:
                    st.error(str(error))
        st.caption(_("Stations (the charger serial is what the charger's label says)"))
        stations = datasources.stations_of(store(), chosen)
        widgets.table(stations, column_config={"serial": _("Charger serial")})
        if not stations.empty:
            with st.form("station_serial"):
                st.caption(_("A charger was replaced: give its station the new serial. A feed never changes a "
                             "stored serial (a charger owner's account may name the station by it); this change "
                             "is logged."))
                s1, s2 = st.columns(2)
                station = s1.selectbox(_("Station"), list(stations.station_id), key="serial_station")
                serial = s2.text_input(_("New charger serial"), max_chars=100, key="serial_new")
                if st.form_submit_button(_("Change the serial")):
                    try:
                        old = datasources.set_station_serial(store(), station, serial, by=scope.username)
                        st.session_state["serial_changed"] = _(
                            "station {station}: serial {old} → {serial} (logged)", station=station,
                            old=old or "–", serial=" ".join(serial.split()))
                        st.rerun()
                    except datasources.SourceError as error:
                        st.error(str(error))
        if changed := st.session_state.pop("serial_changed", None):
            st.success(formats.text_in_markdown(changed))
    if len(names) >= 2:
        with st.form("merge_installations"):
            st.subheader(_("Merge two installations"))
            st.caption(_("Everything of the first (sessions, stations, meters, loaded files, charger-cloud ties, "
                         "sync log) moves into the second, in one step; the first is removed. Its sessions take "
                         "the second's time zone. Accounts that name the first installation should name the "
                         "second afterwards."))
            m1, m2 = st.columns(2)
            source = m1.selectbox(_("Move everything of"), list(names), format_func=names.get, key="merge_source")
            into = m2.selectbox(_("into"), list(names), index=1, format_func=names.get, key="merge_into")
            sure = st.checkbox(_("Yes, remove the first installation once its data is moved"))
            if st.form_submit_button(_("Merge")):
                if not sure:
                    st.error(_("Tick the box to confirm the merge."))
                else:
                    try:
                        moved = datasources.merge_installations(store(), source, into)
                        st.session_state["merged"] = _(
                            "{source} was merged into {into}: {sessions} sessions ({kwh} kWh counted), "
                            "{stations} stations, {meters} meters, {imports} loaded files.",
                            source=names[source], into=names[into], sessions=formats.integer(moved.sessions),
                            kwh=formats.decimal(moved.counted_kwh, 3), stations=moved.stations,
                            meters=moved.meters, imports=moved.imports)
                        st.rerun()
                    except datasources.SourceError as error:
                        st.error(str(error))
    if merged := st.session_state.pop("merged", None):
        st.success(merged)



def choose_installations(provider: str, found: list, key: str) -> None:
    """Which of our installations each cloud installation the account sees feeds: the one it is tied
    to, else the one that already holds its chargers (proposed), else a new one named as in the cloud."""
    if not found:
        return
    current = datasources.installations(store(), scope)
    ours = dict(zip(current["installation_id"], current["name"], strict=True))
    proposals = [sync.proposal(store(), provider, f) for f in found]
    with st.form(f"feeds_{key}"):
        st.markdown(_("**Which installation each cloud installation feeds**"))
        if any(not p.tied for p in proposals):
            st.caption(_("Choose before the first sync. A sync of one not chosen feeds the proposed installation."))
        picked = []
        for cloud, chosen in zip(found, proposals, strict=True):
            if chosen.tied:
                said = _("tied to {installation}", installation=ours.get(chosen.installation_id, chosen.installation_id))
            elif chosen.holder:
                said = _("proposed: {installation} already holds {n} of its {m} chargers",
                         installation=chosen.holders[0][1], n=chosen.holders[0][2], m=len(cloud.chargers))
            else:
                said = _("no installation holds its chargers yet: proposed, a new one")
            if chosen.holder and chosen.tied and chosen.holder != chosen.installation_id:
                said += " — " + _("its chargers are in {installation}: choose it, or merge the two",
                                  installation=formats.text_in_markdown(chosen.holders[0][1]))
            options = [None, *ours]
            labels = {None: _("New installation: {name}", name=cloud.name), **ours}
            index = options.index(chosen.installation_id) if chosen.installation_id in options else 0
            picked.append(st.selectbox(formats.text_in_markdown(f"{cloud.name} ({cloud.cloud_id})"), options, index=index,
                                       format_func=labels.get, key=f"feeds_{key}_{cloud.cloud_id}"))
            st.caption(said)
        if st.form_submit_button(_("Save where they feed")):
            problems = sync.tie_cloud_installations(store(), provider, list(zip(found, proposals, picked, strict=True)))
            for problem in problems:
                st.error(problem)
            if not problems:
                st.success(_("Saved: each cloud installation feeds the installation chosen."))


with clouds_tab:
    st.caption(_("The app logs in to the charger cloud on a schedule and loads new sessions through the same "
               "checks as a file. The password is stored encrypted with a key kept outside the store and is "
               "never shown again."))
    connections = sync.connections(store())
    with st.form("new_connection", clear_on_submit=True):
        st.subheader(_("Connect a charger cloud"))
        c1, c2 = st.columns(2)
        provider = c1.selectbox(_("Cloud"), list(sync.PROVIDERS), format_func=sync.TITLES.get)
        api_url = c2.text_input(_("API address (leave empty for the real cloud)"))
        username = c1.text_input(_("Username (e-mail)"), autocomplete="off")
        password = c2.text_input(_("Password"), type="password", autocomplete="new-password")
        backfill = c1.date_input(_("Read history from"), value=datetime.now(UTC).date() - timedelta(days=730),
                                 format=widgets.date_input_format())
        window = c2.number_input(_("Re-read the last … days on every sync"), 1, 3650, sync.DEFAULT_WINDOW_DAYS)
        interval = c1.number_input(_("Sync every … minutes"), 5, 7 * 24 * 60, sync.DEFAULT_INTERVAL_MINUTES)
        b1, b2 = st.columns(2)
        test = b1.form_submit_button(_("Test connection"))
        save = b2.form_submit_button(_("Save connection"), type="primary")
    if test or save:
        login = sync.Login(username.strip(), password)
        if not login.username or not login.password:
            st.error(_("Give the username and the password."))
        elif test:
            worked, said, found = sync.test_login(provider, login, api_url.strip() or None)
            (st.success if worked else st.error)(said + ("" if worked else " " + _("Nothing was saved.")))
            if worked:
                st.info(_("Enter the password again and press Save connection to keep it."))
                st.session_state["new_connection_found"] = (provider, found)
        else:
            worked, said, found = sync.test_login(provider, login, api_url.strip() or None)
            if worked:
                st.session_state["new_connection_found"] = (provider, found)
            if not worked:
                st.error(said + " " + _("Nothing was saved."))
            else:
                sync.add_connection(store(), provider, login, api_url=api_url.strip() or None, backfill_from=backfill,
                                    window_days=int(window), interval_minutes=int(interval),
                                    created_by=scope.username)
                st.success(said + " " + _("Saved; the first sync starts within a minute, or press Sync now below."))
                connections = sync.connections(store())
    if "new_connection_found" in st.session_state:
        choose_installations(*st.session_state["new_connection_found"], key="new")
    for row in connections.itertuples():
        with st.expander(_("{connection} · {state} · every {minutes} min", connection=formats.text_in_markdown(row.label),
                           state=_("on") if row.enabled else _("paused"), minutes=row.interval_minutes),
                         expanded=True):
            last_ok = f"{formats.moment(row.last_success)} UTC" if row.last_success == row.last_success and \
                row.last_success is not None else _("never")
            st.markdown(_("Last successful sync: **{when}**", when=last_ok))
            if isinstance(row.last_error, str):
                st.error(_("The last sync failed: {error}", error=formats.text_in_markdown(row.last_error)))
            found_key = f"found_{row.connection_id}"
            c1, c2, c3, c4 = st.columns(4)
            if c1.button(_("Test connection"), key=f"test_{row.connection_id}"):
                worked, said, found = sync.test_connection(store(), row.connection_id)
                (st.success if worked else st.error)(said)
                st.session_state[found_key] = found
            if c2.button(_("Sync now"), key=f"sync_{row.connection_id}", type="primary"):
                with st.status(_("Syncing…")) as status:
                    outcome = sync.sync_connection(store(), row.connection_id,
                                                   on_progress=lambda text: status.update(label=text))
                    status.update(label=_("Sync finished") if outcome.ok else _("Sync failed"),
                                  state="complete" if outcome.ok else "error")
                for line in outcome.lines():
                    (st.success if outcome.ok else st.error)(line)
            if c4.button(_("Remove"), key=f"remove_{row.connection_id}"):
                sync.remove_connection(store(), row.connection_id)
                st.rerun()
            with st.form(f"login_{row.connection_id}", clear_on_submit=True):
                st.caption(_("Enter the login again (the password changed, or the sync key was lost)"))
                l1, l2 = st.columns(2)
                new_user = l1.text_input(_("Username (e-mail)"), key=f"user_{row.connection_id}", autocomplete="off")
                new_password = l2.text_input(_("Password"), type="password", key=f"password_{row.connection_id}",
                                             autocomplete="new-password")
                if st.form_submit_button(_("Test and save the login")):
                    login = sync.Login(new_user.strip(), new_password)
                    worked, said, _found = sync.test_login(row.provider, login, row.api_url)
                    if worked:
                        sync.replace_login(store(), row.connection_id, login)
                    (st.success if worked else st.error)(said + " " + (_("Saved.") if worked else _("Nothing was saved.")))
            choose_installations(row.provider, st.session_state.get(found_key, []), key=str(row.connection_id))
            known = {i.cloud_id: i.name for i in st.session_state.get(found_key, [])}
            known.update({i: known.get(i, i) for i in row.cloud_ids})
            with st.form(f"settings_{row.connection_id}"):
                picked = st.multiselect(_("Installations to sync (none picked: every one the account sees; "
                                        "press Test connection to list them)"), list(known), default=list(row.cloud_ids),
                                        format_func=lambda i, known=known: f"{known[i]} ({i})")
                s1, s2, s3 = st.columns(3)
                start = s1.date_input(_("Read history from"), value=row.backfill_from, format=widgets.date_input_format())
                days = s2.number_input(_("Re-read the last … days"), 1, 3650, int(row.window_days))
                minutes = s3.number_input(_("Sync every … minutes"), 5, 7 * 24 * 60, int(row.interval_minutes))
                enabled = st.checkbox(_("Sync on the schedule"), value=bool(row.enabled))
                if st.form_submit_button(_("Save settings")):
                    try:
                        sync.update_connection(store(), row.connection_id, cloud_ids=picked, backfill_from=start,
                                               window_days=int(days), interval_minutes=int(minutes), enabled=enabled)
                        st.rerun()
                    except sync.SyncError as error:
                        st.error(str(error))

    tied = sync.cloud_installations(store())
    if not tied.empty:
        st.subheader(_("Cloud installations and the installation each feeds"))
        widgets.table(tied, column_order=widgets.readable_order(tied.columns, first=("installation_name", "cloud_name"),
                                                                last=("installation_id", "cloud_id")), column_config={"provider": _("Cloud"), "cloud_id": _("Cloud id"),
                                           "cloud_name": _("Name in the cloud"), "installation_id": _("Id"),
                                           "installation_name": _("Installation")})

with log_tab:
    log = sync.sync_log(store())
    widgets.table(log, column_order=widgets.readable_order(log.columns, first=sync.LOG_FIRST, last=sync.LOG_LAST))
