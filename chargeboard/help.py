"""In-app help: the seed article's answers, adapted to Chargeboard, shown where people meet them.

Every page uses these constants (markdown) rather than its own wording, so the answers stay the
same everywhere. They are English msgids (N_), translated where drawn; on a page::

    widgets.help_expanders(help.CANNOT_RETRIEVE, help.WHY_NOT_ALL)
"""

from __future__ import annotations

from chargeboard.i18n import N_

CANNOT_RETRIEVE_REPORTS_TITLE = N_("I can not retrieve charger reports")
CANNOT_RETRIEVE_REPORTS = N_("""\
The reasons may be as follows:

1. **There is no charging history for the installation yet.** Open *Charge history* for an overview of
   any charge sessions. Sessions appear once a feed from the charger cloud has been loaded.
2. **There is a charging history, but the date in the report is not what you expect.** Open *Charge history*
   and look for the session. If the charger was offline during the session, the date it actually charged
   may differ from the date the charger cloud registered it (the *Registered* column). Try dating sessions
   by registration, or choose a wider period.
""")

REPORT_VS_METER_TITLE = N_("The report does not show the same as the electricity meter / invoice")
REPORT_VS_METER = N_("""\
Every charging station logs the energy that the vehicle takes from that station.

The report only shows what the vehicles consumed, not the overall consumption on the electricity meter.
If other devices or loads are connected to the same meter (lights, ventilation, heating), the meter
registers them but the charge report does not. The chargers themselves also use standby power:
**about 4 kWh per charging station per month**. Where meter readings are loaded, the dashboard shows
the difference split into *standby* and *rest* (everything else on the meter).
""")

SYSTEM_WAS_OFFLINE_TITLE = N_("The charging system was offline, and no charge sessions have been registered")
SYSTEM_WAS_OFFLINE = N_("""\
The charging stations still work when they are offline for longer periods, but it can affect the
date and time you see in the charging history afterwards.

- **OFFLINE**: the session happened while the charging station was offline. Even so, the date and time
  in the history are correct. The charger cloud registers the charge on the date and time the station
  got the network back (the *Registered* column), and its own report counts it then. Chargeboard counts
  it on its start unless you choose *date sessions by registration*.
- **TIME?** (in addition to OFFLINE): the charger was disconnected from the internet during the session
  and the date/time is **unlikely to be correct**. It was disconnected so long that its internal memory
  became full; it needs internet to set the correct date and time. The system owner can record a
  corrected date for such a session on the *Data quality* page; the original is kept, and reports use the
  corrected date only when you choose *use corrected dates*.
""")

WHY_NOT_ALL_STATIONS_TITLE = N_("Why are not all charging stations in the report?")
WHY_NOT_ALL_STATIONS = N_("""\
A charging report only lists the charging stations that had an active charge session in the selected
period. A station with no sessions is left out, not shown with 0, unless you switch on *Include those with
no sessions*. The *Data quality* page lists stations that have been silent for 30 days.
""")

WHAT_EACH_RESIDENT_USED_TITLE = N_("How do I see what the different residents have used?")
WHAT_EACH_RESIDENT_USED = N_("""\
The system owner sees the consumption of each user in *Charge reports* (consumption by user) and can
export it to Excel to calculate what each resident pays. Each resident sees only their own charging on
*My usage*; the installation's average there is anonymous and hidden when fewer than three residents charged.
""")

# (title, text) pairs, as pages pass them to widgets.help_expanders.
CANNOT_RETRIEVE = (CANNOT_RETRIEVE_REPORTS_TITLE, CANNOT_RETRIEVE_REPORTS)
VS_METER = (REPORT_VS_METER_TITLE, REPORT_VS_METER)
WAS_OFFLINE = (SYSTEM_WAS_OFFLINE_TITLE, SYSTEM_WAS_OFFLINE)
WHY_NOT_ALL = (WHY_NOT_ALL_STATIONS_TITLE, WHY_NOT_ALL_STATIONS)
EACH_RESIDENT = (WHAT_EACH_RESIDENT_USED_TITLE, WHAT_EACH_RESIDENT_USED)

ALL = (
    (CANNOT_RETRIEVE_REPORTS_TITLE, CANNOT_RETRIEVE_REPORTS),
    (REPORT_VS_METER_TITLE, REPORT_VS_METER),
    (SYSTEM_WAS_OFFLINE_TITLE, SYSTEM_WAS_OFFLINE),
    (WHY_NOT_ALL_STATIONS_TITLE, WHY_NOT_ALL_STATIONS),
    (WHAT_EACH_RESIDENT_USED_TITLE, WHAT_EACH_RESIDENT_USED),
)
