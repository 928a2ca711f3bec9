"""The rules that relate one part of the configuration to another: every one is a named
function, listed here in the order it runs.

`RULES` run while `CatalogConfig` validates: each when the field it checks has been validated,
with what was validated before it (`Checked`; a field that is absent or invalid is None). So
they still run, and report, when an unrelated part of the files is broken, and each points at
the offending entry: it returns `Violation`s located relative to the field it checks.

`FILE_RULES` compare the stage files as written with the other stage files, before validation,
so their problems are reported together with every other; `STAGE_RULES` run on the validated
config and compare it with the other stage files. Both return `ConfigProblem`s; the loader
reports the problems of the first stage rule that has any.

Rules that look at one section only are that section's validators (config/sections/).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo

from config.errors import Violation
from config.rules.checked import Checked, Rule
from config.rules.communities import (
    communities_within_stage_limit,
    community_documents_fit,
    community_products_published,
    cost_centers_within_catalog_limit,
    display_names_unique,
    member_budget_names_fit,
    member_budgets_within_stack_limit,
    principal_arns_in_stage_account,
    role_patterns_exclusive,
    roles_in_one_community,
    shares_leave_the_stage_account,
)
from config.rules.images import catalog_image_products_reach_images
from config.rules.jobs import jobs_name_job_communities
from config.rules.sections import (
    approvals_name_ordered_stages,
    image_targets_fit_stage,
    notebook_gateway_fits_stage,
    operator_admins_in_stage_account,
    published_products_exist,
    studio_endpoints_without_nat,
)
from config.rules.sign_in import (
    created_roles_not_listed,
    sign_in_communities_match_provider,
    sign_in_fits_stage,
    sign_in_role_prefix_reserved,
)
from config.rules.spokes import (
    member_accounts_are_new_spokes,
    member_accounts_need_wide_sharing,
    sharing_needs_spokes,
    spoke_communities_within_stack_limit,
    spoke_settings_name_spokes,
)
from config.rules.stages import (
    FileRule,
    StageRule,
    stage_order_lists_every_stage,
    stage_target_not_shared,
    versions_promoted_in_order,
)
from config.rules.studio_teams import team_budget_within_community_budgets
from config.rules.workstations import backups_cover_a_day, backups_outside_patch_windows

# CatalogConfig field -> the rules that check it, in the order they run. Within a field, the
# order is the order of problems reported on one line (the loader sorts by file and line).
RULES: dict[str, tuple[Rule, ...]] = {
    "operators": (operator_admins_in_stage_account,),
    "products": (published_products_exist, studio_endpoints_without_nat),
    "sign_in": (sign_in_fits_stage,),
    "communities": (
        display_names_unique,
        community_products_published,
        member_budgets_within_stack_limit,
        member_budget_names_fit,
        role_patterns_exclusive,
        shares_leave_the_stage_account,
        principal_arns_in_stage_account,
        roles_in_one_community,
        communities_within_stage_limit,
        cost_centers_within_catalog_limit,
        community_documents_fit,
        sign_in_communities_match_provider,
        sign_in_role_prefix_reserved,
        created_roles_not_listed,
    ),
    "jobs": (jobs_name_job_communities,),
    "delivery": (approvals_name_ordered_stages,),
    "images": (image_targets_fit_stage,),
    "workstations": (backups_cover_a_day, backups_outside_patch_windows),
    "notebooks": (notebook_gateway_fits_stage,),
    "studio_teams": (team_budget_within_community_budgets,),
    "spokes": (
        sharing_needs_spokes,
        member_accounts_are_new_spokes,
        member_accounts_need_wide_sharing,
        spoke_settings_name_spokes,
        spoke_communities_within_stack_limit,
    ),
}

# Run on the files as written, before validation: reported with every other problem.
FILE_RULES: tuple[FileRule, ...] = (stage_target_not_shared,)

# Run in this order on a valid config; the first with problems is reported alone.
STAGE_RULES: tuple[StageRule, ...] = (
    stage_order_lists_every_stage,
    versions_promoted_in_order,
    catalog_image_products_reach_images,
)


def check_field(value: Any, info: ValidationInfo) -> list[Violation]:
    """Every violation of the rules of the field being validated."""
    known = Checked.of(info)
    return [violation for rule in RULES[info.field_name or ""] for violation in rule(value, known)]
