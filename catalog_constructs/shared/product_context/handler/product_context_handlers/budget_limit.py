"""``Custom::BudgetLimit``: a product's budget amount, checked against the stage's limit, and
the address its alerts go to.

Product templates are the same in every stage, so the form can only bound the amount by a
constant; the stage's own limit (config ``studio_teams.max_budget_usd``) is an SSM parameter the
Shared stack writes and this check reads at launch and at every update that changes the amount.
The budget resource depends on this one, so no budget above the limit is ever created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Client, ProductContextError, as_email, parameter_value, required

RESOURCE_TYPE = "Custom::BudgetLimit"


def _limit(ssm: Client, parameter: str) -> float:
    value = parameter_value(
        ssm,
        parameter,
        missing=f"SSM parameter {parameter} (the catalog's budget limit) does not exist: deploy "
        "the catalog's shared stack first, or ask the catalog operators",
    )
    try:
        return float(value)
    except ValueError as error:
        raise ProductContextError(
            f"SSM parameter {parameter} holds {value[:40]!r}, not a number of USD; ask the "
            "catalog operators"
        ) from error


def check_budget(
    event: Mapping[str, Any], *, ssm: Client, physical_id: str
) -> tuple[str, dict[str, str]]:
    """``(physical id, {"Amount", "Recipient"})``; ProductContextError when the amount is not
    a positive number within the limit, or the owner has no e-mail address to alert."""
    properties = event.get("ResourceProperties", {})
    raw = required(properties, "Amount")
    try:
        amount = float(raw)
    except ValueError:
        raise ProductContextError(f"the budget {raw[:40]!r} is not a number of USD") from None
    if amount <= 0:
        raise ProductContextError(f"the budget must be more than 0 USD, not {raw}")
    limit = _limit(ssm, required(properties, "LimitParameter"))
    if amount > limit:
        raise ProductContextError(
            f"a budget of {amount:g} USD is more than this catalog allows ({limit:g} USD per "
            f"month); choose {limit:g} or less, or ask the catalog operators"
        )
    recipient = as_email(str(properties.get("OwnerEmail", "")))
    if not recipient:
        raise ProductContextError(
            "the budget alerts its owner by e-mail, and the catalog knows no e-mail address "
            "of yours; ask the catalog operators (owner_email_template of your community)"
        )
    return physical_id, {"Amount": f"{amount:g}", "Recipient": recipient}
