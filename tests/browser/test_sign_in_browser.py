"""The whole browser sign-in in Chromium: a member lands in the Service Catalog console as
themselves; a non-member, a cancelled sign-in, a replayed response, a response opened in
another browser and an unknown community each get their refusal page.

``SIGN_IN_SCREENSHOTS=<dir>`` (``make screenshots``) also saves the sign-in page and the
non-member refusal as PNG files for docs/signing-in.md."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sign_in_harness import CONSOLE_URL, MEMBER

SCREENSHOTS = os.environ.get("SIGN_IN_SCREENSHOTS")


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def sign_in_as(page: Any, deployment: Any, who: str) -> list[str]:
    """Open the community's entry point, sign in at the provider as ``who`` (a button of its
    page); the callback URLs the browser was sent to."""
    callbacks: list[str] = []
    page.on(
        "request",
        lambda request: callbacks.append(request.url) if "/callback?" in request.url else None,
    )
    page.goto(deployment.entry())
    page.get_by_role("link", name="Sign in with Synapse").click()
    page.get_by_role("button", name=who).click()
    page.wait_for_load_state()
    return callbacks


def heading(page: Any) -> str:
    return str(page.locator("h1").inner_text())


def test_a_member_lands_in_the_service_catalog_console(page: Any, deployment: Any) -> None:
    page.goto(deployment.entry())
    assert heading(page) == "Sign in to Research Consortium"
    # The page's only style is allowed by its hash in the Content-Security-Policy.
    button = page.get_by_role("link", name="Sign in with Synapse")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(9, 114, 211)"
    screenshot(page, "sign-in-page.png")

    page.get_by_role("link", name="Sign in with Synapse").click()
    assert heading(page) == "Synapse (local test provider)"
    (cookie,) = [c for c in page.context.cookies() if c["name"].startswith("__Host-")]
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Lax")
    page.get_by_role("button", name="Sign in as jane.doe").click()
    page.wait_for_load_state()

    assert heading(page) == "AWS console (test)"
    login = query_of(deployment.console_logins[-1])
    assert login["Action"] == "login"
    assert login["Destination"] == CONSOLE_URL
    assert login["Issuer"] == deployment.entry()
    assert login["SigninToken"] in deployment.provider.sign_in_tokens
    assumed = deployment.services.sts.assumed[-1]  # type: ignore[attr-defined]
    assert assumed["RoleSessionName"] == assumed["SourceIdentity"] == MEMBER


def test_a_non_member_is_refused_with_how_to_join(page: Any, deployment: Any) -> None:
    sign_in_as(page, deployment, "Sign in as john.roe")
    assert heading(page) == "You are not a member of Research Consortium"
    assert page.get_by_role("link", name="Synapse team 3412678: request to join").is_visible()
    screenshot(page, "refusal-not-a-member.png")


def test_a_cancelled_sign_in_is_refused(page: Any, deployment: Any) -> None:
    sign_in_as(page, deployment, "Cancel")
    assert heading(page) == "The identity provider did not sign you in"
    page.get_by_role("link", name="Start again").click()
    assert heading(page) == "Sign in to Research Consortium"


def test_a_replayed_response_is_refused(page: Any, deployment: Any) -> None:
    (callback,) = sign_in_as(page, deployment, "Sign in as jane.doe")
    assert heading(page) == "AWS console (test)"
    page.goto(callback)
    assert heading(page) == "This sign-in has expired or was already used"


def test_a_response_opened_in_another_browser_is_refused(
    page: Any, chromium: Any, deployment: Any
) -> None:
    """Login CSRF: the attacker signs in up to the callback and sends its link to a victim."""
    deployment.holder["hold_callbacks"] = True
    sign_in_as(page, deployment, "Sign in as jane.doe")
    victim = chromium.new_context(ignore_https_errors=True)
    try:
        other = victim.new_page()
        other.goto(deployment.holder["held"][-1])
        assert heading(other) == "This sign-in belongs to another browser window"
    finally:
        victim.close()


def test_an_unknown_community_is_refused(page: Any, deployment: Any) -> None:
    response = page.goto(deployment.entry("nope"))
    assert response.status == 404
    assert heading(page) == "Unknown community"
    page.get_by_role("link", name="Choose your community").click()
    assert page.get_by_role("link", name="Research Consortium").is_visible()
