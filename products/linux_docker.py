"""Linux Docker EC2: a private Linux instance with Docker and the compose plugin."""

from aws_cdk import CfnCondition, CfnMapping, Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_context import MachineImage, ProductContext
from catalog_constructs.workstation import Workstation, WorkstationProps
from products.instance_types import instance_type_mapping, instance_type_names
from products.template import HTTPS_URL, ProductTemplate, SmokeTest

PRODUCT_KEY = "linux-docker"
DISPLAY_NAME = "Linux Docker EC2"
DESCRIPTION = (
    "A Linux virtual machine with Docker and the compose plugin, for your own containers and "
    "tools. Private network, no public address: you connect from the browser through Session "
    "Manager, and only you can. Stops itself when idle."
)

# The public parameters AWS and Canonical publish for their latest images, per architecture.
_UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/{arch}/hvm/ebs-gp3/ami-id"
DISTRIBUTIONS = {
    "AmazonLinux2023": {
        "x86": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "arm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        "RootDevice": "/dev/xvda",
    },
    "Ubuntu2404": {
        "x86": _UBUNTU.format(arch="amd64"),
        "arm64": _UBUNTU.format(arch="arm64"),
        "RootDevice": "/dev/sda1",
    },
}

# A compose release and its published checksum file; never a moving "latest".
COMPOSE_VERSION = "v2.39.1"

SETUP_SCRIPT = f"""
. /etc/os-release
case "$ID" in
  amzn)
    dnf install -y docker rsyslog
    systemctl enable --now rsyslog
    case "$(uname -m)" in
      x86_64) compose_arch=x86_64 ;;
      aarch64) compose_arch=aarch64 ;;
    esac
    compose_url="https://github.com/docker/compose/releases/download/{COMPOSE_VERSION}/docker-compose-linux-$compose_arch"
    curl -fsSL -o /tmp/docker-compose "$compose_url"
    echo "$(curl -fsSL "$compose_url.sha256" | cut -d' ' -f1)  /tmp/docker-compose" | sha256sum -c -
    install -D -m 0755 /tmp/docker-compose /usr/libexec/docker/cli-plugins/docker-compose
    ;;
  ubuntu)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q docker.io docker-compose-v2
    ;;
  *)
    echo "unsupported distribution: $ID"
    exit 1
    ;;
esac
systemctl enable --now docker
# Session Manager logs the owner in as ssm-user; creating it now puts it in the docker group.
id ssm-user >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ssm-user
usermod -aG docker ssm-user
echo 'ssm-user ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ssm-agent-users
chmod 0440 /etc/sudoers.d/ssm-agent-users
docker info >/dev/null
docker compose version
"""

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine. t3/m7i/c7i/r7i are Intel (x86_64); t4g/m7g/"
                    "c7g/r7g are AWS Graviton (arm64), cheaper for the same size: the image "
                    "matching the type's architecture is chosen for you. Sizes and prices: "
                    "https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.medium",
                allowed_values=instance_type_names(),
            ),
            FormParameter(
                name="LinuxDistribution",
                label="Linux distribution",
                description="Amazon Linux 2023 (default) or Ubuntu 24.04 LTS.",
                constraint_description="Choose AmazonLinux2023 or Ubuntu2404.",
                default="AmazonLinux2023",
                allowed_values=tuple(DISTRIBUTIONS),
            ),
            FormParameter(
                name="DiskSize",
                label="Disk size (GiB)",
                description=(
                    "Size of the encrypted system disk in GiB. Keep long-term data in a bucket."
                ),
                constraint_description="Enter a whole number of GiB from 30 to 5000.",
                type="Number",
                default=30,
                min_value=30,
                max_value=5000,
            ),
        ),
    ),
    FormGroup(
        label="Cost control",
        parameters=(
            FormParameter(
                name="IdleStopHours",
                label="Stop when idle for (hours)",
                description=(
                    "Stop the instance after its average CPU stays below 5% for this many "
                    "hours. 0 never stops it. A stopped instance keeps its disk; start it "
                    "again with the Start action."
                ),
                constraint_description="Enter a whole number of hours from 0 (off) to 24.",
                type="Number",
                default=3,
                min_value=0,
                max_value=24,
            ),
        ),
    ),
)


class LinuxDockerProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        instance_type = form.value("InstanceType")
        distribution = form.value("LinuxDistribution")

        instance_types = instance_type_mapping(self)
        distributions = CfnMapping(self, "Distributions", mapping=DISTRIBUTIONS)
        architecture = instance_types.find_in_map(instance_type, "Arch")
        image = MachineImage(
            self,
            "Image",
            parameter_name=Fn.find_in_map(distributions.logical_id, distribution, architecture),
        )
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)

        idle_hours = form.parameters["IdleStopHours"]
        idle_stop_enabled = CfnCondition(
            self,
            "IdleStopEnabled",
            expression=Fn.condition_not(Fn.condition_equals(idle_hours.value_as_number, 0)),
        )
        workstation = Workstation(
            self,
            "Workstation",
            props=WorkstationProps(
                product_key=PRODUCT_KEY,
                context=context,
                image_id=image.image_id,
                instance_type=instance_type,
                root_device_name=distributions.find_in_map(distribution, "RootDevice"),
                root_volume_gib=form.parameters["DiskSize"].value_as_number,
                idle_stop_hours=idle_hours.value_as_number,
                idle_stop_enabled=idle_stop_enabled,
                setup_script=SETUP_SCRIPT,
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)


USAGE = """
## Connecting

Open the `ConnectionURI` output: a shell opens in your browser tab as `ssm-user`, who may use
`sudo` and `docker`. Only you can open it: the catalog allows Session Manager only on instances
whose owner tag matches your own identity.

From your own computer, with the AWS CLI and the Session Manager plugin installed and your
catalog credentials configured:

```bash
aws ssm start-session --target <InstanceId>
# or forward a port, for example a web app listening on 8080 inside the instance:
aws ssm start-session --target <InstanceId> \\
  --document-name AWS-StartPortForwardingSession \\
  --parameters '{"portNumber":["8080"],"localPortNumber":["8080"]}'
```

The instance has no public address and accepts no inbound connections; it reaches the
internet through the catalog's NAT gateway (to pull images and packages).

## Docker

Docker and the compose plugin are installed and running when the product reports
`Available` (the launch waits for them): `docker run hello-world`, `docker compose up`.
On Amazon Linux 2023 the compose plugin is release COMPOSE_VERSION, verified against its
published checksum; on Ubuntu both come from Ubuntu's archive.

## Cost and idle stop

The instance stops itself when its average CPU stays below 5% for the number of hours you
chose (`IdleStopHours`; 0 turns this off). Start it again with the **Start** action on the
provisioned product (Actions menu); **Stop** and **Restart** are there too. A stopped
instance costs only its disk.

## Logs

`LogsURI` opens the product's log group: setup (`research-catalog-setup`), cloud-init and
system logs, shipped by the CloudWatch agent and kept for 90 days.

## Updates and data

Changing the instance type or the idle-stop hours updates the instance in place (a type
change stops and starts it). Changing the distribution replaces the instance and its disk.
Keep data you care about in a bucket product. Terminating the product deletes the instance
and its disk.
""".replace("COMPOSE_VERSION", COMPOSE_VERSION)

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="LinuxDocker",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=LinuxDockerProduct,
    form=FORM,
    usage=USAGE,
    smoke_test=SmokeTest(
        parameters={
            "InstanceType": "t4g.small",
            "LinuxDistribution": "AmazonLinux2023",
            "DiskSize": "30",
            "IdleStopHours": "1",
        },
        outputs={
            "ConnectionURI": HTTPS_URL,
            "EC2ConsoleURI": HTTPS_URL,
            "LogsURI": HTTPS_URL,
            "Documentation": HTTPS_URL,
            "InstanceId": r"i-[0-9a-f]{8,17}",
            "PrivateIpAddress": r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}",
        },
    ),
)
