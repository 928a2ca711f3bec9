"""`catalog:` who runs the catalog, as end users see it on every product."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field

from config.types import STRICT, Email, HttpsUrl, matching

# aws-cdk-lib's CloudFormationProduct checks the support e-mail against this pattern (case
# insensitive, its InputValidator.validateEmail) and fails synth with a jsii traceback; Service
# Catalog itself would take any address. A top-level domain of 5 or more letters
# (.science, .institute) does not match.
CDK_SUPPORT_EMAIL_PATTERN = r"^[\w\d.%+\-]+@[a-z\d.\-]+\.[a-z]{2,4}$"
CDK_SUPPORT_EMAIL_RE = re.compile(CDK_SUPPORT_EMAIL_PATTERN, re.IGNORECASE | re.ASCII)
SupportEmail = Annotated[
    Email,
    matching(
        CDK_SUPPORT_EMAIL_RE,
        "{value} is refused by the CDK as a product's support e-mail; allowed: "
        f"{CDK_SUPPORT_EMAIL_PATTERN} (letters, digits and . % + - _ before the @, a top-level "
        "domain of 2 to 4 letters), e.g. a forwarding address such as support@institute.org",
    ),
]


class CatalogMetadata(BaseModel):
    """What end users see about who runs the catalog."""

    model_config = STRICT

    provider_name: str = Field(
        min_length=1, max_length=50, description="Portfolio/product provider name shown to users."
    )
    support_email: SupportEmail = Field(
        description=(
            "Support contact email shown on every product; the CDK accepts only a top-level "
            "domain of 2 to 4 letters."
        )
    )
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
