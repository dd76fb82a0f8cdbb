"""Chargeboard: charge history and consumption reports for shared EV charging."""

import streamlit as st

from chargeboard.web import guard, run_navigation

st.set_page_config(page_title="Chargeboard", page_icon="⚡", layout="wide")
run_navigation(guard())
