"""The role of each sign-in community, which only the sign-in service may assume, and only as
the user it verified.

Trust policy (every condition key from the IAM User Guide, "IAM and AWS STS condition context
keys" and "Passing session tags in AWS STS"):

- ``Principal``: the sign-in function's execution role, nothing else.
- ``sts:AssumeRole`` requires a source identity (``Null: sts:SourceIdentity = false``), a
  session name equal to it (``StringEquals: sts:RoleSessionName = ${sts:SourceIdentity}``, a
  request-context key used as a policy variable) and the user-name session tag
  (``aws:RequestTag/research-catalog:username``).
- ``sts:SetSourceIdentity`` (needed to pass ``SourceIdentity``) under the same conditions.
- ``sts:TagSession`` only with the catalog's two tag keys (``aws:TagKeys``) and none of them
  transitive (``Null: sts:TransitiveTagKeys = true``).

A source identity, once set, cannot be changed and persists into any role chained from the
session; CloudTrail records it with every call.
"""

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnTag, aws_iam as iam
from constructs import Construct

from catalog_constructs import contract
from config.sections.communities import Community

SESSION_TAG_KEYS = [contract.SESSION_TAG_USERNAME, contract.SESSION_TAG_EMAIL]
# Role chaining (the function's own role assumes this one) caps sessions at one hour.
MAX_SESSION_SECONDS = 3600


def trust_policy(service_role_arn: str) -> dict[str, Any]:
    principal = {"AWS": service_role_arn}
    pinned = {
        "Null": {"sts:SourceIdentity": "false"},
        "StringEquals": {"sts:RoleSessionName": "${sts:SourceIdentity}"},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyTheSignInServiceAsTheVerifiedUser",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:AssumeRole",
                "Condition": {
                    **pinned,
                    "StringLike": {f"aws:RequestTag/{contract.SESSION_TAG_USERNAME}": "?*"},
                },
            },
            {
                "Sid": "SourceIdentityIsTheSessionName",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:SetSourceIdentity",
                "Condition": pinned,
            },
            {
                "Sid": "OnlyTheCatalogsSessionTags",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:TagSession",
                "Condition": {
                    "ForAllValues:StringEquals": {"aws:TagKeys": SESSION_TAG_KEYS},
                    "Null": {"sts:TransitiveTagKeys": "true"},
                },
            },
        ],
    }


class SignInCommunityRoles(Construct):
    """One role per sign-in community, named ``research-catalog-sign-in-<community>`` at path
    ``/``: the Catalog stack associates it with the community's portfolio and attaches the
    end-user policy to it by name, the Cost stack the launch block. It has no policy of its own
    here."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        communities: Mapping[str, Community],
        service_role: iam.IRole,
    ) -> None:
        super().__init__(scope, construct_id)
        self.roles: dict[str, iam.CfnRole] = {}
        for name, community in communities.items():
            self.roles[name] = iam.CfnRole(
                self,
                f"Role-{name}",
                role_name=contract.sign_in_role_name(name),
                description=(
                    f"Members of {community.display_name[:200]}, signed in by the research "
                    "catalog's sign-in service; the session name is the verified user ID"
                ),
                assume_role_policy_document=trust_policy(service_role.role_arn),
                max_session_duration=MAX_SESSION_SECONDS,
                tags=[CfnTag(key=contract.COMMUNITY_TAG, value=name)],
            )
