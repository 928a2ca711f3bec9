"""The catalog's bash session document: a login shell as the workstation user, nothing else."""

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract

# `sudo --login` starts the user's login shell (/bin/bash, set by the image and the boot
# script) in their home directory, whichever user Session Manager runs the command as. The
# command is fixed: the document declares no parameter, so a caller passes nothing to run.
SHELL_COMMAND = f"exec sudo --login --user={contract.WORKSTATION_USER}"


class ShellSessionDocument(Construct):
    """``aws ssm start-session --document-name research-catalog-bash --target <instance>``.

    The AWS-owned ``AWS-StartInteractiveCommand`` would do the same with a ``command``
    parameter, and IAM cannot constrain session parameters; this document takes none, so the
    end-user policy can allow it (on the caller's own instances only) without allowing
    arbitrary commands."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.document = ssm.CfnDocument(
            self,
            "Document",
            name=contract.SHELL_SESSION_DOCUMENT_NAME,
            document_type="Session",
            update_method="NewVersion",
            content={
                "schemaVersion": "1.0",
                "description": (
                    f"Research catalog: a bash login shell as {contract.WORKSTATION_USER}, the "
                    "owner's user on catalog Linux workstations. Takes no parameters."
                ),
                "sessionType": "InteractiveCommands",
                "properties": {"linux": {"commands": SHELL_COMMAND, "runAsElevated": False}},
            },
        )
