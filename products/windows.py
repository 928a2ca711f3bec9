"""Windows EC2: a private Windows Server 2022 desktop reached through Fleet Manager."""

from aws_cdk import CfnOutput, Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.context import MachineImage, ProductContext
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.workstation import bucket_mounts
from catalog_constructs.product_template.workstation.instance import Workstation, WorkstationProps
from products.instance_types import INSTANCE_ARCHITECTURES
from products.template import HTTPS_URL, ProductTemplate, SmokeTest
from products.workstation_form import (
    STANDARD_OUTPUT_CHECKS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
    shared_fields,
)

PRODUCT_KEY = "windows"
DISPLAY_NAME = "Windows EC2"
DESCRIPTION = (
    "A Windows Server 2022 desktop for Windows-only tools. Private network, no public address: "
    "you open it in your browser (Fleet Manager Remote Desktop) or forward RDP to your own "
    "computer, signing in with a password generated for you alone. The first start takes 5 to "
    "15 minutes. Stops itself when idle."
)
SIGN_IN_USERNAME = "researcher"
PUBLIC_IMAGE = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
RDP_PORT = 3389
LOCAL_RDP_PORT = 13389
# Windows desktops need 4 GiB of memory or more; the image is x86_64 only.
INSTANCE_TYPES = tuple(
    name
    for name, architecture in INSTANCE_ARCHITECTURES.items()
    if architecture == "x86" and name != "t3.small"
)

# Remote Desktop is on in AWS's Windows images; this keeps it on whatever the base image
# decides, with Network Level Authentication.
SETUP_SCRIPT = r"""
$terminalServer = 'HKLM:\System\CurrentControlSet\Control\Terminal Server'
Set-ItemProperty -Path $terminalServer -Name 'fDenyTSConnections' -Value 0
Set-ItemProperty -Path "$terminalServer\WinStations\RDP-Tcp" -Name 'UserAuthentication' -Value 1
"""

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine (Intel x86_64; Windows needs at least 4 GiB, "
                    "t3.medium). Sizes and prices: https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.large",
                allowed_values=INSTANCE_TYPES,
            ),
            FormParameter(
                name="DiskSize",
                label="System disk size (GiB)",
                description=(
                    "Size of the encrypted C: disk in GiB (Windows and installed programs). It "
                    "is replaced with the instance; keep your work on D:."
                ),
                constraint_description="Enter a whole number of GiB from 60 to 2000.",
                type="Number",
                default=60,
                min_value=60,
                max_value=2000,
            ),
            data_volume_parameter("D:"),
            image_generation_parameter(
                image="catalog",
                replaced="the instance and its C: disk are replaced; D: moves to the new instance.",
            ),
        ),
    ),
    bucket_mounts.FORM_GROUP,
    idle_stop_group(kept="its disks"),
)


class WindowsProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        image = MachineImage(
            self,
            "Image",
            parameter_name=image_parameter("windows", "x86_64"),
            fallback_parameter_name=PUBLIC_IMAGE,
            generation=form.value("ImageGeneration"),
        )
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        fields = shared_fields(self, form)

        workstation = Workstation(
            self,
            "Workstation",
            props=WorkstationProps(
                product_key=PRODUCT_KEY,
                context=context,
                image_id=image.image_id,
                instance_type=form.value("InstanceType"),
                root_device_name="/dev/sda1",
                root_volume_gib=form.parameters["DiskSize"].value_as_number,
                **fields,
                setup_script=SETUP_SCRIPT,
                windows=True,
                sign_in_username=SIGN_IN_USERNAME,
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)
        assert workstation.credential is not None
        workstation.credential.add_output(
            "SignInCredential",
            description=(
                f"User name ({SIGN_IN_USERNAME}) and password for Remote Desktop: open the link, "
                "then Retrieve secret value. Only you can read it."
            ),
        )
        CfnOutput(
            self,
            "ConnectionInstructions",
            key="ConnectionInstructions",
            description="Two ways to reach the desktop; both need the sign-in credential",
            value=Fn.sub(
                "Wait 5-15 minutes after launch for Windows to finish its first start. "
                "Browser: open ConnectionURI (Fleet Manager Remote Desktop), choose User "
                f"credentials, sign in as {SIGN_IN_USERNAME} with the password of "
                "SignInCredential. Own RDP client: run aws ssm start-session --region "
                "${AWS::Region} --target ${Id} --document-name AWS-StartPortForwardingSession "
                f"--parameters portNumber={RDP_PORT},localPortNumber={LOCAL_RDP_PORT} then "
                f"connect your client to localhost:{LOCAL_RDP_PORT}.",
                {"Id": workstation.instance.ref},
            ),
        )
        CfnOutput(
            self,
            "PortForwardingCommand",
            key="PortForwardingCommand",
            description=f"Forward RDP to localhost:{LOCAL_RDP_PORT} (AWS CLI + Session Manager "
            "plugin, your catalog credentials)",
            value=Fn.sub(
                "aws ssm start-session --region ${AWS::Region} --target ${Id} "
                "--document-name AWS-StartPortForwardingSession "
                f"--parameters portNumber={RDP_PORT},localPortNumber={LOCAL_RDP_PORT}",
                {"Id": workstation.instance.ref},
            ),
        )


USAGE = f"""
## First start

Windows prepares itself at the first start (5 to 15 minutes) before the catalog's setup
runs; the product reports `Available` only when D:, your account and the agents are ready.

## Connecting

Your sign-in: user `{SIGN_IN_USERNAME}`, a local administrator of this instance only, with a
password generated at launch. Open `SignInCredential` and choose *Retrieve secret value*; only
you (and the instance itself, which set the password) can read it. There is no shared
password and no key pair; the built-in Administrator account is disabled.

- **In the browser**: open `ConnectionURI` (Fleet Manager Remote Desktop), choose *User
  credentials*, and sign in as `{SIGN_IN_USERNAME}`. Only you can connect: the catalog allows
  sessions only on instances whose owner tag matches your identity.
- **With your own RDP client** (Microsoft Remote Desktop, Remmina): with the AWS CLI, the
  Session Manager plugin and your catalog credentials, run the `PortForwardingCommand` output
  and connect the client to `localhost:{LOCAL_RDP_PORT}`:

```bash
aws ssm start-session --target <InstanceId> \\
  --document-name AWS-StartPortForwardingSession \\
  --parameters portNumber={RDP_PORT},localPortNumber={LOCAL_RDP_PORT}
```

No VPN and no inbound port: the instance has no public address and its security group has
no inbound rule.

## Your data: D:

Keep your work on `D:`, a separate encrypted disk (`DataVolumeSize`). It belongs to the
product, not to the instance:

- Updates that **replace the instance** (raising `ImageGeneration`, or a new product version
  that moves to a new image) stop the old instance, move `D:` to the new one and give it the
  letter D: again. `C:` (Windows, installed programs, your profile under `C:\\Users`) is
  replaced.
- Updates that **keep the instance**: changing `InstanceType` or the bucket lists (the instance
  stops and starts), `IdleStopHours`, or growing `DataVolumeSize` or `DiskSize`. A larger `D:`
  is extended at the next start (use the **Restart** action).
- **Terminating** the product deletes the instance and takes a final snapshot of `D:`, which
  the catalog operators can restore from.

## Buckets

Buckets listed in `{bucket_mounts.READ_ONLY_PARAMETER}` and `{bucket_mounts.READ_WRITE_PARAMETER}`
are synchronised to `D:\\buckets\\<name>` at every start and every 15 minutes (AWS CLI
`s3 sync`): read-only buckets are downloaded; read-write buckets are also uploaded back, new
and changed files only (deleting a local file does not delete it in the bucket). You can list
your own catalog buckets and buckets shared with your community; any other name makes the
launch fail naming it. Synchronisation needs the catalog's Windows image.

## Cost and idle stop

The instance stops itself when its average CPU stays below 5% for the number of hours you
chose (`IdleStopHours`; 0 turns this off): a disconnected desktop counts as idle, a running
computation does not. Start it again with the **Start** action on the provisioned product;
**Stop** and **Restart** are there too. A stopped instance costs only its disks.

## Logs

`LogsURI` opens the product's log group: the setup transcript (`research-catalog-setup`) and
the System and Application event logs, shipped by the CloudWatch agent and kept for 90 days.
"""

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="Windows",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=WindowsProduct,
    form=FORM,
    usage=USAGE,
    smoke_test=SmokeTest(
        parameters={"InstanceType": "t3.medium", "DataVolumeSize": "10", "IdleStopHours": "1"},
        outputs={
            **STANDARD_OUTPUT_CHECKS,
            "SignInCredential": HTTPS_URL,
            "PortForwardingCommand": r"aws ssm start-session --region [a-z0-9-]+ --target "
            r"i-[0-9a-f]{8,17} .*localPortNumber=13389",
        },
    ),
)
