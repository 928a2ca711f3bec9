"""Notebook EC2: identity, released versions and smoke test. No CDK import."""

from products._workstation.definition import STANDARD_OUTPUT_CHECKS
from products.definition import HTTPS_URL, ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="notebook",
    family="ec2",
    display_name="Notebook EC2 (RStudio or JupyterLab)",
    description=(
        "RStudio Server or JupyterLab on a private Linux machine, opened in your browser with "
        "one click from NotebookConnectionURI, for you alone: the catalog's sign-in, a check on "
        "the machine that you are its owner, then the notebook's own password. Data on a disk "
        "that survives updates; your buckets as folders. Stops itself when idle."
    ),
    versions=(
        ProductVersion(
            name="v1",
            description=(
                "First release: RStudio Server or JupyterLab (pinned, from the catalog's "
                "notebook image) behind the notebook gateway's OIDC sign-in and an owner "
                "check on the instance, with their own password on; port forwarding as "
                "the fallback; /data that survives instance replacement; bucket mounts; "
                "idle auto-stop."
            ),
        ),
        ProductVersion(
            name="v2",
            description=(
                "Each notebook gets its own web address, https://<id>.<gateway domain>/, instead of"
                " a path on a shared one: another notebook's page can no longer act in yours. The "
                "notebook no longer sees the sign-in tokens; the owner check accepts only your "
                "notebook's own address. Bucket mounts reach only buckets of this account. Your "
                "sign-in credential's policy, key and value can be changed only by the catalog. "
                "Updating from v1 keeps the instance and /data and moves the address (open "
                "NotebookConnectionURI again)."
            ),
        ),
    ),
    smoke_test=SmokeTest(
        parameters={"InstanceType": "t3.medium", "DataVolumeSize": "10", "IdleStopHours": "1"},
        outputs={
            **STANDARD_OUTPUT_CHECKS,
            "SignInCredential": HTTPS_URL,
            "NotebookConnectionURI": r"(https://\S+|http://localhost:\d+/\S*)",
            "NotebookLocalURI": r"http://localhost:(8787|8888)/\S*",
        },
    ),
)
