"""The service's HTML pages: the community list, a community's sign-in page and one page for
every refusal. Every value is escaped; the only style is inline and allowed by its hash in the
Content-Security-Policy, which allows nothing else (no script, no frame, no form)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from .settings import Community, Settings

STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f6f8;"
    "color:#16191f}main{max-width:40rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;"
    "border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.5rem;margin-top:0}"
    "p,li{line-height:1.5}.button{display:inline-block;background:#0972d3;color:#fff;"
    "padding:.7rem 1.4rem;border-radius:20px;text-decoration:none;font-weight:600}"
    ".refusal h1{color:#b0361d}.muted{color:#5f6b7a;font-size:.9rem}code{background:#eef0f2;"
    "padding:0 .2rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    button: bool = False


@dataclass(frozen=True)
class Page:
    title: str
    paragraphs: Sequence[str]
    links: Sequence[Link] = field(default_factory=tuple)
    refusal: bool = False
    # Already-escaped HTML fragments (built here from escaped parts), after the paragraphs.
    extra_html: str = ""


def render(page: Page, settings: Settings | None) -> str:
    catalog = escape(settings.catalog_name) if settings else "Research catalog"
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in page.paragraphs)
    links = "".join(_link(link) for link in page.links)
    footer = ""
    if settings is not None:
        footer = (
            f'<p class="muted">Help: <a href="{escape(settings.signing_in_url)}">Signing in to '
            f"the catalog</a> · Support: {escape(settings.support_email)}</p>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(page.title)} · {catalog}</title><style>{STYLE}</style></head><body>"
        f'<main class="{"refusal" if page.refusal else "page"}"><h1>{escape(page.title)}</h1>'
        f"{paragraphs}{page.extra_html}{links}{footer}</main></body></html>"
    )


def _link(link: Link) -> str:
    style = ' class="button"' if link.button else ""
    return f'<p><a{style} href="{escape(link.href)}">{escape(link.text)}</a></p>'


def landing(settings: Settings, communities: Mapping[str, Community]) -> Page:
    items = "".join(
        f'<li><a href="{escape(settings.entry_url(c.name))}">{escape(c.title)}</a></li>'
        for c in communities.values()
    )
    return Page(
        title=f"Sign in to {settings.catalog_name}",
        paragraphs=[
            "Choose your community. You sign in with your "
            f"{settings.provider_name} account and land in the AWS Service Catalog console "
            "as yourself.",
        ],
        extra_html=f"<ul>{items}</ul>",
    )


def community_page(settings: Settings, community: Community) -> Page:
    who = (
        f"Members of the Synapse team {community.team_id}"
        if community.team_id
        else f"Members of the group {community.group}"
    )
    return Page(
        title=f"Sign in to {community.title}",
        paragraphs=[
            f"Sign in with your {settings.provider_name} account to open the AWS Service Catalog "
            f"of {community.title}. {who} can launch its workstations, buckets and jobs; what "
            "you launch belongs to you alone.",
            "Your console session lasts "
            f"{settings.session_seconds // 60} minutes; open this page again to start a new one.",
        ],
        links=[
            Link(
                f"Sign in with {settings.provider_name}",
                f"{settings.entry_url(community.name)}/start",
                button=True,
            )
        ],
    )


def join_help(settings: Settings, community: Community) -> list[Link]:
    links = []
    if community.team_id is not None:
        links.append(
            Link(
                f"Synapse team {community.team_id}: request to join",
                f"https://www.synapse.org/Team:{quote(community.team_id)}",
            )
        )
    links.append(
        Link(
            f"Ask the community manager ({community.manager_email})",
            f"mailto:{community.manager_email}",
        )
    )
    links.append(Link("Sign in again", settings.entry_url(community.name)))
    return links
