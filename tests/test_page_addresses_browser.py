"""Every page's own address opens that page (issue 27, item 8d), on a freshly started server: the
landing pages too (/dashboard, /dashboard?present=true as the README says, /my_usage), which
Streamlit serves at the root when they are the role's first page and used to answer with a
"Page not found" box. Opened before the login (the login form, then the page) and after it."""

from __future__ import annotations

import pytest
import support
from browser_support import log_in, one, page_text, wait_idle


@pytest.fixture
def context(browser):
    opened = browser.new_context(viewport={"width": 1400, "height": 1100})
    yield opened
    opened.close()


def assert_page(page, heading: str, path: str) -> None:
    one(page.get_by_role("heading", name=heading))
    wait_idle(page)
    page.wait_for_timeout(300)  # the box is drawn by the browser after the run that sent it
    assert "Page not found" not in page_text(page), page_text(page)
    assert page.locator("[role='dialog']").count() == 0
    assert page.url.split("?")[0].endswith(path), page.url


def present_mode_is_on(page) -> bool:
    toggle = one(page.locator("[data-testid='stCheckbox']").filter(has_text="Present mode").locator("input"))
    return toggle.is_checked()


def test_the_dashboard_addresses_open_the_dashboard_after_the_login(context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + "/", support.STYRET)
    assert_page(page, "Board dashboard", "/")
    for address in ("/dashboard?present=true", "/dashboard", "/history"):
        page.goto(served_app.url + address)
        page.wait_for_selector("[data-testid='stApp'] >> text=/Logged in as/", timeout=20_000)
        assert_page(page, "Charge history" if address == "/history" else "Board dashboard", address.split("?")[0])
        if address.startswith("/dashboard"):
            assert present_mode_is_on(page) == ("present=true" in address)


def test_present_mode_opened_before_the_login(context, served_app):
    page = context.new_page()
    page.goto(served_app.url + "/dashboard?present=true")
    wait_idle(page)
    one(page.get_by_role("textbox", name="Username")).fill(support.STYRET.username)
    page.get_by_role("textbox", name="Password").fill(support.STYRET.password)
    page.get_by_role("button", name="Login").click()  # (present mode hides the sidebar log_in waits for)
    page.wait_for_selector("[data-testid='stApp'] >> text=/Logged in as/", timeout=20_000)
    assert_page(page, "Board dashboard", "/dashboard")
    assert present_mode_is_on(page) and "present=true" in page.url


def test_my_usage_address_opens_my_usage_for_a_resident(context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + "/my_usage", support.RESIDENT)
    assert_page(page, "My usage", "/my_usage")
    page.goto(served_app.url + "/")
    page.wait_for_selector("[data-testid='stApp'] >> text=/Logged in as/", timeout=20_000)
    assert_page(page, "My usage", "/")
    page.goto(served_app.url + "/my_usage")
    page.wait_for_selector("[data-testid='stApp'] >> text=/Logged in as/", timeout=20_000)
    assert_page(page, "My usage", "/my_usage")
