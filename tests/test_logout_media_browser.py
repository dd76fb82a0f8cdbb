"""After a logout, the session's downloads stop answering at once (a real browser: the file is served
at /media/<hash> by Streamlit, which kept it until some later run anywhere collected it)."""

from __future__ import annotations

import support
from browser_support import choose, log_in, one, wait_idle


def test_a_download_url_answers_404_after_logout(browser, served_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, served_app.url + "/reports", support.STYRET)
        one(page.get_by_role("heading", name="Charge reports"))
        wait_idle(page)
        choose(page, "Period", "All time")
        wait_idle(page)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download report (Excel)").click()
        url = info.value.url
        assert "/media/" in url, url
        wait_idle(page)
        assert context.request.get(url).status == 200  # while logged in it is served
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("textbox", name="Username").wait_for()
        wait_idle(page)
        assert context.request.get(url).status == 404
    finally:
        context.close()
