"""`catalog:` who runs the catalog, as end users see it on every product."""

from __future__ import annotations

from pydantic import BaseModel, Field

from config.types import STRICT, Email, HttpsUrl


class CatalogMetadata(BaseModel):
    """What end users see about who runs the catalog."""

    model_config = STRICT

    provider_name: str = Field(
        min_length=1, max_length=50, description="Portfolio/product provider name shown to users."
    )
    support_email: Email = Field(description="Support contact email shown on every product.")
    support_url: HttpsUrl = Field(description="Support web page (https) shown on every product.")
    support_description: str = Field(
        default="",
        max_length=8191,
        description="Support text shown on every product (at most 8191 characters).",
    )
    documentation_url: HttpsUrl = Field(
        description=(
            "Base https URL of the documentation; product docs links are built below it, e.g. "
            "https://github.com/acme/research-catalog/blob/main/docs"
        )
    )

    def doc_url(self, relative_path: str) -> str:
        """Documentation link for a path below `documentation_url`, e.g. 'products/x.md'."""
        return f"{self.documentation_url.rstrip('/')}/{relative_path.lstrip('/')}"
