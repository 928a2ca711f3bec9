"""One SSM document that installs and configures the CloudWatch agent on any workstation."""

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.contract import (
    LINUX_CLOUDWATCH_AGENT_CONFIG_PATH,
    WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH,
)

# State Manager may run this document before the product's user data has written the agent
# configuration, so it waits for the file.
LINUX_CONFIGURE = [
    f"for attempt in $(seq 1 120); do [ -f {LINUX_CLOUDWATCH_AGENT_CONFIG_PATH} ] && break; "
    "sleep 10; done",
    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s "
    f"-c file:{LINUX_CLOUDWATCH_AGENT_CONFIG_PATH}",
]

WINDOWS_CONFIGURE = [
    "foreach ($attempt in 1..120) { "
    f"if (Test-Path '{WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH}') {{ break }}; "
    "Start-Sleep -Seconds 10 }",
    "& 'C:\\Program Files\\Amazon\\AmazonCloudWatchAgent\\amazon-cloudwatch-agent-ctl.ps1' "
    f"-a fetch-config -m ec2 -s -c 'file:{WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH}'",
]


class CloudWatchAgentDocument(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        ssm.CfnDocument(
            self,
            "Document",
            name=contract.CLOUDWATCH_AGENT_DOCUMENT_NAME,
            document_type="Command",
            update_method="NewVersion",
            content={
                "schemaVersion": "2.2",
                "description": (
                    "Installs the Amazon CloudWatch agent (AWS-signed Distributor package) and "
                    "starts it with the configuration the research-catalog product wrote."
                ),
                "mainSteps": [
                    {
                        # The plugin AWS-ConfigureAWSPackage itself runs.
                        "action": "aws:configurePackage",
                        "name": "InstallAgent",
                        "inputs": {"name": "AmazonCloudWatchAgent", "action": "Install"},
                    },
                    {
                        "action": "aws:runShellScript",
                        "name": "ConfigureLinux",
                        "precondition": {"StringEquals": ["platformType", "Linux"]},
                        "inputs": {"timeoutSeconds": "1500", "runCommand": LINUX_CONFIGURE},
                    },
                    {
                        "action": "aws:runPowerShellScript",
                        "name": "ConfigureWindows",
                        "precondition": {"StringEquals": ["platformType", "Windows"]},
                        "inputs": {"timeoutSeconds": "1500", "runCommand": WINDOWS_CONFIGURE},
                    },
                ],
            },
        )
