"""Every way the service says no: an HTTP status, a stable code (the command line and the tests
read it), a title and words a researcher can act on, and a detail for the operators' log that
never holds a token, code, state, cookie or credential."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Refusal(Exception):
    status: int
    code: str
    title: str
    message: str
    community: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail or self.title}"


START_AGAIN = "Open your community's sign-in page and start again."


def unknown_community(name: str) -> Refusal:
    return Refusal(
        404,
        "unknown_community",
        "Unknown community",
        f"There is no community named “{name}” here. Check the address your community "
        "manager gave you, or choose your community from the list.",
        detail=f"community {name[:40]!r}",
    )


def not_found() -> Refusal:
    return Refusal(404, "not_found", "Page not found", "There is nothing at this address.")


def method_not_allowed() -> Refusal:
    return Refusal(405, "method_not_allowed", "Not allowed", "This address does not take that.")


def incomplete_response(detail: str) -> Refusal:
    return Refusal(
        400,
        "invalid_request",
        "Incomplete sign-in response",
        f"The sign-in response that brought you here is incomplete. {START_AGAIN}",
        detail=detail,
    )


def expired_or_replayed() -> Refusal:
    return Refusal(
        400,
        "expired_or_replayed",
        "This sign-in has expired or was already used",
        "Each sign-in works once and for ten minutes. This one was already completed, has "
        f"expired, or was never started here. {START_AGAIN}",
        detail="unknown, used or expired state",
    )


def wrong_browser(community: str) -> Refusal:
    return Refusal(
        400,
        "wrong_browser",
        "This sign-in belongs to another browser window",
        "The sign-in response does not match this browser (its sign-in cookie is missing or "
        "different), so it was refused: someone may have sent you a link to their own sign-in. "
        f"{START_AGAIN}",
        community=community,
        detail="binding cookie missing or different",
    )


def provider_error(community: str, error: str) -> Refusal:
    declined = error in ("access_denied", "consent_required", "interaction_required")
    message = (
        "You did not allow the catalog to read your identity, so you cannot be signed in."
        if declined
        else f"The identity provider reported an error ({error})."
    )
    return Refusal(
        400 if declined else 502,
        "provider_error",
        "The identity provider did not sign you in",
        f"{message} {START_AGAIN}",
        community=community,
        detail=f"provider error {error}",
    )


def provider_unavailable(community: str | None, detail: str) -> Refusal:
    return Refusal(
        502,
        "provider_unavailable",
        "The identity provider is not answering",
        "The catalog could not reach the identity provider or understand its answer. Nothing "
        "was changed; try again in a few minutes. If it goes on, tell the catalog support.",
        community=community,
        detail=detail,
    )


def token_invalid(community: str | None, reason: str) -> Refusal:
    return Refusal(
        400 if community else 401,
        "token_invalid",
        "Your identity could not be verified",
        "The identity token from the provider did not pass the catalog's checks (signature, "
        f"issuer, audience, expiry or nonce), so it was refused. {START_AGAIN}",
        community=community,
        detail=f"token refused: {reason}",
    )


def replayed(community: str) -> Refusal:
    return Refusal(
        400,
        "replayed",
        "This sign-in was already used",
        f"The identity token of this sign-in has been used before. {START_AGAIN}",
        community=community,
        detail="nonce already used",
    )


def code_refused(community: str, error: str) -> Refusal:
    return Refusal(
        400,
        "code_refused",
        "The sign-in could not be completed",
        "The identity provider no longer accepts this sign-in (it took too long, or the page "
        f"was reloaded). {START_AGAIN}",
        community=community,
        detail=f"code exchange refused: {error}",
    )


def not_member(community: str, title: str, user_id: str) -> Refusal:
    return Refusal(
        403,
        "not_member",
        f"You are not a member of {title}",
        f"You signed in, but your account ({user_id}) is not a member of {title}, so the "
        "catalog cannot open its workspace for you. Ask to join, then sign in again.",
        community=community,
        detail=f"user {user_id} is not a member",
    )


def identity_unusable(community: str | None, reason: str) -> Refusal:
    return Refusal(
        400,
        "identity_unusable",
        "Your account cannot be used here",
        f"The catalog cannot use the identity the provider returned ({reason}). Tell the "
        "catalog support.",
        community=community,
        detail=reason,
    )


def unauthenticated(detail: str) -> Refusal:
    return Refusal(
        401,
        "unauthenticated",
        "No valid token",
        "Send your token as 'Authorization: Bearer <token>' (the catalog's command-line "
        "helper does this for you).",
        detail=detail,
    )


def aws_refused(community: str | None, detail: str) -> Refusal:
    return Refusal(
        502,
        "aws_refused",
        "The catalog could not open your AWS session",
        "You are signed in and a member, but AWS refused the catalog's request for your "
        "session. Nothing was changed; tell the catalog support.",
        community=community,
        detail=detail,
    )


def misconfigured(detail: str) -> Refusal:
    return Refusal(
        500,
        "misconfigured",
        "The sign-in service is misconfigured",
        "The catalog's sign-in service cannot work as configured. Tell the catalog support.",
        detail=detail,
    )


def communities_unavailable(community: str | None, detail: str) -> Refusal:
    return Refusal(
        503,
        "communities_unavailable",
        "The catalog cannot look up its communities",
        "The sign-in service could not read its list of communities just now. Nothing was "
        "changed; try again in a minute. If it goes on, tell the catalog support.",
        community=community,
        detail=detail,
    )


def community_misconfigured(community: str, detail: str) -> Refusal:
    return Refusal(
        500,
        "community_misconfigured",
        "This community's sign-in is misconfigured",
        f"The catalog's entry for the community “{community}” cannot be used, so nobody can "
        "sign in to it until it is fixed. Tell the catalog support or your community manager.",
        community=community,
        detail=detail,
    )
