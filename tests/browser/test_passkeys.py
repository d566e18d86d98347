"""A passkey in Chromium: enrol on the security page, log in with it, confirm with it.

Chromium's virtual authenticator (DevTools' WebAuthn domain) stands in for a
platform authenticator; the product runs its real ceremonies against it. A
browser refuses an IP address as relying party, so this browser visits the
server as http://localhost:<port> (the RP ID the settings derive from SITE_URL).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from . import flows

ACCOUNT = "beheer.amersfoort"  # an account no other browser test logs in with
PASSWORD = "demo-wachtwoord"


def test_passkey_enrol_log_in_and_confirm(browser, server, authenticator):
    context = browser.new_context(
        base_url=server.url.replace("127.0.0.1", "localhost"),
        viewport={"width": 1280, "height": 900},
        locale="nl-NL",
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        added = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        authenticator_id = added["authenticatorId"]

        # Log in with the authenticator app, then add a passkey on the security page.
        flows.log_in(page, ACCOUNT, authenticator)
        page.goto("/account/security/")
        if page.locator("#id_passkey_name").count() == 0:
            page.click("a[href^='/account/confirm/']")
            flows.confirm_fresh_code(page, ACCOUNT, authenticator)
            expect(page).to_have_url(re.compile(r"/account/security/"))
        page.fill("#id_passkey_name", "Virtuele sleutel")
        flows.submit(page, "form[action='/account/security/passkeys/name/']")
        with page.expect_navigation():
            page.click("#passkey-register-button")
        expect(page.locator("main")).to_contain_text("Virtuele sleutel")
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        assert len(credentials["credentials"]) == 1
        assert credentials["credentials"][0]["rpId"] == "localhost"

        # Log out; log in with the password and the passkey, no code.
        with page.expect_navigation():
            page.locator("form[action='/logout/'] button").click()
        page.goto("/login/")
        page.fill("input[name=username]", ACCOUNT)
        page.fill("input[name=password]", PASSWORD)
        flows.submit(page)
        expect(page).to_have_url(re.compile(r"/login/verify/"))
        with page.expect_navigation():
            page.click("#passkey-verification-button")
        assert "/login/" not in page.url, page.url
        expect(page.locator("main h1")).to_be_visible()
        used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        assert used["credentials"][0]["signCount"] >= 1

        # Fresh confirmation with the passkey, and back where the confirmation was asked.
        page.goto("/account/confirm/?next=/account/security/")
        with page.expect_navigation():
            page.click("#passkey-verification-button")
        expect(page).to_have_url(re.compile(r"^[^?]*/account/security/$"))
        expect(page.locator("#id_passkey_name")).to_be_visible()  # the factor is fresh
        again = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        assert again["credentials"][0]["signCount"] > used["credentials"][0]["signCount"]
    finally:
        context.close()
