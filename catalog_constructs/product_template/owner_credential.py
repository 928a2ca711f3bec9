"""A sign-in credential generated for one product, readable only by its owner and its instance.

The reference catalog shared one key pair and one password across every workstation. Here each
provisioned product generates its own random password in Secrets Manager at launch (the value
never appears in a template), encrypted with the catalog's credentials key. The secret's
resource policy denies reading it to everyone but the owner (by ``aws:userid``) and the
instance role that applies it on the machine (Windows Administrator, notebook server login),
and changing its policy, key or value to everyone but the launch role CloudFormation uses.
"""

import json

from aws_cdk import CfnOutput, Fn, aws_iam as iam, aws_secretsmanager as secretsmanager
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.product_template.context import ProductContext

# Characters that survive unquoted in PowerShell, shell heredocs, JSON and config files.
EXCLUDED_CHARACTERS = "\"'`\\$%&;<>|^{}[]()/@#!,="


# Changes to who may read a secret and with which key. Only CloudFormation (the product
# family's launch role) makes them; anyone else with broad Secrets Manager rights in the
# account could otherwise replace the policy or the key and then read the secret.
POLICY_AND_KEY_CHANGES = (
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:UpdateSecret",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RemoveRegionsFromReplication",
    "secretsmanager:StopReplicationToReplica",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
)
# Changes to the value: a known password written into a sign-in credential would be applied
# on the machine at its next boot.
VALUE_CHANGES = ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage")


def deny_reading_to_others(
    scope: Construct,
    construct_id: str,
    *,
    secret_id: str,
    role: iam.Role,
    owner_aws_user_id: str,
    sid: str,
    launch_family: str,
    lock_value: bool = False,
) -> secretsmanager.CfnResourcePolicy:
    """A secret policy denying GetSecretValue to everyone but ``role``'s sessions and the
    owner, and policy and key changes (with ``lock_value`` also value changes) to everyone but
    the ``launch_family``'s launch role: it holds even against broad identity policies
    elsewhere in the account."""
    launch_role = Fn.sub(
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
        + contract.launch_role_name(launch_family)
    )
    changes = [*POLICY_AND_KEY_CHANGES, *(VALUE_CHANGES if lock_value else ())]
    return secretsmanager.CfnResourcePolicy(
        scope,
        construct_id,
        secret_id=secret_id,
        block_public_policy=True,
        resource_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": sid,
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                    "Condition": {
                        "StringNotLike": {
                            "aws:userid": [Fn.join(":", [role.role_id, "*"]), owner_aws_user_id]
                        }
                    },
                },
                {
                    "Sid": "OnlyCloudFormationChangesPolicyAndKey",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": changes,
                    "Resource": "*",
                    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": launch_role}},
                },
            ],
        },
    )


class OwnerCredential(Construct):
    """``{"username": <username>, "password": <generated>}`` in a secret named after the stack.

    ``reader`` (the instance role) may read it; so may the owner, through the end-user policy's
    owner-tag statement. Anyone else is denied by the secret's own policy, which also holds
    against broad identity policies in the account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        purpose: str,
        username: str,
        context: ProductContext,
        reader: iam.Role,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = Fn.sub("${AWS::StackName}-" + purpose)
        key_arn = contract.resolve_ssm(contract.CREDENTIALS_KEY_ARN_PARAMETER)
        self.secret = secretsmanager.CfnSecret(
            self,
            "Secret",
            name=self.name,
            description=f"Sign-in credential of one provisioned product ({purpose})",
            kms_key_id=key_arn,
            generate_secret_string=secretsmanager.CfnSecret.GenerateSecretStringProperty(
                secret_string_template=json.dumps({"username": username}),
                generate_string_key="password",
                password_length=24,
                # Windows' complexity rule wants three of four character classes; all four
                # are included.
                require_each_included_type=True,
                exclude_characters=EXCLUDED_CHARACTERS,
            ),
        )
        acknowledge(
            self.secret,
            [
                "AwsSolutions-SMG4",
                "HIPAA.Security-SecretsManagerRotationEnabled",
                "NIST.800.53.R5-SecretsManagerRotationEnabled",
            ],
            "The password is applied on the instance once, at first boot; rotation would make "
            "the secret disagree with the machine. It is unique to the product, readable only "
            "by its owner and instance, and deleted with the product.",
        )
        deny_reading_to_others(
            self,
            "Policy",
            secret_id=self.secret.ref,
            role=reader,
            owner_aws_user_id=context.owner_aws_user_id,
            sid="OnlyTheOwnerAndTheInstanceRead",
            launch_family="ec2",
            lock_value=True,
        )
        reader.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadOwnerCredential",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secret.ref],
            )
        )
        reader.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DecryptOwnerCredential",
                actions=["kms:Decrypt"],
                resources=[key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": Fn.sub("secretsmanager.${AWS::Region}.amazonaws.com")
                    }
                },
            )
        )

    def add_output(self, output_id: str, *, description: str) -> CfnOutput:
        """A console link to the secret, where the owner reveals the password."""
        return CfnOutput(
            self,
            output_id,
            key=output_id,
            description=description,
            value=Fn.sub(
                "https://${AWS::Region}.console.aws.amazon.com/secretsmanager/secret"
                "?name=${Name}&region=${AWS::Region}",
                {"Name": self.name},
            ),
        )
