"""A page for the guard tests only: test_app.py registers it in web.PAGES for system owners."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

st.title("Restricted test page")
st.write(f"SECRET CONTENT for {scope.username}")
