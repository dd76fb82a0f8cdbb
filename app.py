"""Chargeboard: charge history and consumption reports for shared EV charging."""

from chargeboard.web import configure_page, guard, run_navigation

configure_page()
run_navigation(guard())
