"""Notebook EC2: RStudio Server or JupyterLab opened in the browser, for its owner only."""

from aws_cdk import (
    Aws,
    CfnCondition,
    CfnMapping,
    CfnOutput,
    CustomResource,
    Fn,
    aws_iam as iam,
    aws_servicecatalog as servicecatalog,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.context import (
    MachineImage,
    ProductContext,
    product_context_service_token,
)
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

PRODUCT_KEY = "notebook"
DISPLAY_NAME = "Notebook EC2 (RStudio or JupyterLab)"
DESCRIPTION = (
    "RStudio Server or JupyterLab on a private Linux machine, opened in your browser with one "
    "click from NotebookConnectionURI, for you alone: the catalog's sign-in, a check on the "
    "machine that you are its owner, then the notebook's own password. Data on a disk that "
    "survives updates; your buckets as folders. Stops itself when idle."
)
# Session Manager signs the owner in as ssm-user, who owns /data; the notebook runs as the
# same user so files written either way belong to one account.
SIGN_IN_USERNAME = "ssm-user"
NOTEBOOK_TYPES = {"RStudio": {"Port": "8787"}, "JupyterLab": {"Port": "8888"}}
# The notebook image is built for x86_64 (RStudio Server ships amd64 builds only).
INSTANCE_TYPES = tuple(
    name for name, architecture in INSTANCE_ARCHITECTURES.items() if architecture == "x86"
)

# Runs as root after the data volume is mounted; installs a script that runs again at every
# boot. The notebook servers listen on 127.0.0.1 only; nginx (with the owner check) is started
# only where the stage has a notebook gateway.
SETUP_SCRIPT = r"""
cat > /usr/local/sbin/research-catalog-notebook <<'SCRIPT'
#!/bin/bash
# Configures the notebook software named in this instance's user data, at every boot: an
# update that changes NotebookType changes the user data, which restarts the instance.
set -euo pipefail
imds=http://169.254.169.254/latest
token=$(curl -fsS -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
notebook_type=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/user-data" |
  sed -n 's/^# research-catalog-notebook-type: //p')
route_id='${RouteId}'
owner='${OwnerUserId}'
region='${AWS::Region}'
credential=$(aws secretsmanager get-secret-value --region "$region" \
  --secret-id '${CredentialSecretArn}' --query SecretString --output text)
password=$(printf '%s' "$credential" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')
printf 'ssm-user:%s\n' "$password" | chpasswd
install -d -m 0755 /etc/research-catalog
case "$notebook_type" in
  RStudio)
    systemctl disable --now research-catalog-jupyterlab 2>/dev/null || true
    printf 'www-address=127.0.0.1\nwww-port=8787\n' > /etc/rstudio/rserver.conf
    printf 'session-default-working-dir=/data\nsession-default-new-project-dir=/data\n' \
      > /etc/rstudio/rsession.conf
    systemctl enable rstudio-server
    systemctl restart rstudio-server
    upstream='http://127.0.0.1:8787/'
    root_header="proxy_set_header X-RStudio-Root-Path /$route_id;"
    ;;
  JupyterLab)
    systemctl disable --now rstudio-server
    install -d -m 0700 -o ssm-user -g ssm-user /etc/research-catalog/jupyter
    python3 -c '
import json, sys
print(json.dumps({
    "ServerApp": {"ip": "127.0.0.1", "port": 8888, "base_url": "/" + sys.argv[2] + "/",
                  "root_dir": "/data", "open_browser": False},
    "IdentityProvider": {"token": sys.argv[1]},
}))' "$password" "$route_id" > /etc/research-catalog/jupyter/jupyter_server_config.json
    chown ssm-user:ssm-user /etc/research-catalog/jupyter/jupyter_server_config.json
    chmod 0600 /etc/research-catalog/jupyter/jupyter_server_config.json
    cat > /etc/systemd/system/research-catalog-jupyterlab.service <<'UNIT'
[Unit]
Description=JupyterLab of the workstation's owner
After=network-online.target
RequiresMountsFor=/data
[Service]
User=ssm-user
Environment=JUPYTER_CONFIG_DIR=/etc/research-catalog/jupyter
WorkingDirectory=/data
ExecStart=/opt/jupyterlab/bin/jupyter lab
Restart=on-failure
[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable --now research-catalog-jupyterlab
    upstream='http://127.0.0.1:8888'
    root_header=''
    ;;
  *)
    echo "unknown notebook type $notebook_type"
    false
    ;;
esac
unset password credential
gateway=$(aws ssm get-parameter --region "$region" --name '${GatewayParameter}' \
  --query Parameter.Value --output text)
enabled='import json, sys; sys.exit(not json.load(sys.stdin)["enabled"])'
if printf '%s' "$gateway" | python3 -c "$enabled"; then
  printf '%s' "$gateway" | python3 -c '
import json, sys
gateway = json.load(sys.stdin)
settings = {"region": sys.argv[1], "load_balancer_arn": gateway["load_balancer_arn"],
            "owner_claim": gateway["owner_claim"], "owner": sys.argv[2]}
with open("/etc/research-catalog/owner-check.json", "w") as handle:
    json.dump(settings, handle)' "$region" "$owner"
  chmod 0644 /etc/research-catalog/owner-check.json
  # The load balancer does not verify target certificates; this one only encrypts the hop.
  install -d -m 0700 /etc/research-catalog/tls
  [ -f /etc/research-catalog/tls/cert.pem ] ||
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=research-catalog-notebook' \
      -keyout /etc/research-catalog/tls/key.pem -out /etc/research-catalog/tls/cert.pem
  cat > /etc/nginx/conf.d/research-catalog-notebook.conf <<'NGINX'
map $http_upgrade $connection_upgrade {
  default upgrade;
  '' close;
}
server {
  listen 443 ssl;
  ssl_certificate /etc/research-catalog/tls/cert.pem;
  ssl_certificate_key /etc/research-catalog/tls/key.pem;
  client_max_body_size 0;
  location = /research-catalog-health {
    access_log off;
    return 200 "ok\n";
  }
  location = /research-catalog-owner-check {
    internal;
    proxy_pass http://127.0.0.1:9099;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
  }
  location /ROUTE_ID/ {
    auth_request /research-catalog-owner-check;
    proxy_pass UPSTREAM;
    ROOT_HEADER
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto https;
    proxy_read_timeout 1d;
  }
  location / {
    return 404;
  }
}
NGINX
  sed -i -e "s|ROUTE_ID|$route_id|" -e "s|UPSTREAM|$upstream|" -e "s|ROOT_HEADER|$root_header|" \
    /etc/nginx/conf.d/research-catalog-notebook.conf
  nginx -t
  systemctl enable --now research-catalog-owner-check
  systemctl enable nginx
  systemctl restart nginx
fi
SCRIPT
chmod 0755 /usr/local/sbin/research-catalog-notebook
cat > /etc/systemd/system/research-catalog-notebook.service <<'UNIT'
[Unit]
Description=Configure the notebook software chosen for this workstation
Wants=network-online.target
After=network-online.target
RequiresMountsFor=/data
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/research-catalog-notebook
[Install]
WantedBy=multi-user.target
UNIT
# research-catalog-notebook-type: ${NotebookType}
systemctl daemon-reload
systemctl enable research-catalog-notebook.service
systemctl start research-catalog-notebook.service
"""

IMAGE_UPDATE_REPLACES = (
    "the instance and its system disk are replaced; /data moves to the new instance."
)

FORM = (
    FormGroup(
        label="Notebook",
        parameters=(
            FormParameter(
                name="NotebookType",
                label="Notebook software",
                description=(
                    "RStudio (RStudio Server with R) or JupyterLab (Python). Both are pinned "
                    "releases of the catalog's notebook image. Changing it later keeps the "
                    "instance and /data."
                ),
                constraint_description="Choose RStudio or JupyterLab.",
                default="RStudio",
                allowed_values=tuple(NOTEBOOK_TYPES),
            ),
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine (Intel x86_64). Sizes and prices: "
                    "https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.large",
                allowed_values=INSTANCE_TYPES,
            ),
            data_volume_parameter("mounted at /data, the notebook's working directory"),
            image_generation_parameter(
                image="notebook",
                replaced=IMAGE_UPDATE_REPLACES,
            ),
        ),
    ),
    bucket_mounts.FORM_GROUP,
    idle_stop_group(kept="its disks"),
)


class NotebookProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        notebook_type = form.value("NotebookType")
        image = MachineImage(
            self,
            "Image",
            parameter_name=image_parameter("notebook", "x86_64"),
            generation=form.value("ImageGeneration"),
        )
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        fields = shared_fields(self, form)
        # The provisioned stack's UUID: unique, stable for the product's life, known at boot.
        route_id = Fn.select(2, Fn.split("/", Aws.STACK_ID))

        workstation = Workstation(
            self,
            "Workstation",
            props=WorkstationProps(
                product_key=PRODUCT_KEY,
                context=context,
                image_id=image.image_id,
                instance_type=form.value("InstanceType"),
                root_device_name="/dev/sda1",
                root_volume_gib=40,
                **fields,
                setup_script=SETUP_SCRIPT,
                setup_variables={
                    "NotebookType": notebook_type,
                    "RouteId": route_id,
                    "OwnerUserId": context.owner_user_id,
                    "GatewayParameter": contract.NOTEBOOK_GATEWAY_PARAMETER,
                },
                sign_in_username=SIGN_IN_USERNAME,
            ),
        )
        workstation.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadNotebookGatewaySettings",
                actions=["ssm:GetParameter"],
                resources=[
                    Fn.sub(
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
                        + contract.NOTEBOOK_GATEWAY_PARAMETER
                    )
                ],
            )
        )
        workstation.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)

        port = CfnMapping(
            self,
            "NotebookTypes",
            mapping={name: {"Port": spec["Port"]} for name, spec in NOTEBOOK_TYPES.items()},
        ).find_in_map(notebook_type, "Port")
        is_jupyter = CfnCondition(
            self, "IsJupyterLab", expression=Fn.condition_equals(notebook_type, "JupyterLab")
        )
        local_url = Fn.join(
            "",
            [
                "http://localhost:",
                port,
                Fn.condition_if(
                    is_jupyter.logical_id, Fn.join("", ["/", route_id, "/lab"]), "/"
                ).to_string(),
            ],
        )
        route = CustomResource(
            self,
            "Route",
            service_token=product_context_service_token(),
            resource_type="Custom::NotebookRoute",
            properties={
                "RouteId": route_id,
                "InstanceId": workstation.instance.ref,
                "SecurityGroupId": workstation.security_group.attr_group_id,
                "LocalUrl": local_url,
                "ProductKey": PRODUCT_KEY,
            },
        )
        CfnOutput(
            self,
            "NotebookConnectionURI",
            key="NotebookConnectionURI",
            description=(
                "Open the notebook: through the catalog's notebook gateway where your "
                "organisation has one, else the local address after port forwarding"
            ),
            value=route.get_att_string("Url"),
        )
        forward_command = Fn.join(
            "",
            [
                Fn.sub(
                    "aws ssm start-session --region ${AWS::Region} --target ${Id} "
                    "--document-name AWS-StartPortForwardingSession --parameters portNumber=",
                    {"Id": workstation.instance.ref},
                ),
                port,
                ",localPortNumber=",
                port,
            ],
        )
        CfnOutput(
            self,
            "PortForwardingCommand",
            key="PortForwardingCommand",
            description="Always works: run this (AWS CLI + Session Manager plugin), then open "
            "NotebookLocalURI",
            value=forward_command,
        )
        CfnOutput(
            self,
            "NotebookLocalURI",
            key="NotebookLocalURI",
            description="The notebook on your computer while PortForwardingCommand runs",
            value=local_url,
        )
        assert workstation.credential is not None
        workstation.credential.add_output(
            "SignInCredential",
            description=(
                f"The notebook's own sign-in (RStudio: user {SIGN_IN_USERNAME} and this "
                "password; JupyterLab: the password as token). Only you can read it."
            ),
        )


USAGE = (
    """
## Opening the notebook

Open `NotebookConnectionURI`. Where your organisation runs the catalog's notebook gateway,
this is an `https://` address, and three checks stand between the internet and your notebook:

1. **The gateway** (a load balancer shared by all notebooks) signs you in with your
   organisation's identity provider (for Synapse-based catalogs, your Synapse account) before
   any request reaches a machine. Addresses of notebooks you do not own look the same to you
   as addresses that do not exist.
2. **Your machine** checks, on every request, that the gateway signed the request (its
   signature and the gateway's identity are verified) and that the signed-in user is you, the
   product's owner. Anyone else gets `403 Forbidden`, even with the link.
3. **The notebook** keeps its own sign-in: RStudio asks for user `ssm-user` and the password
   in `SignInCredential`; JupyterLab asks for that password as its token. Only you can read
   the credential (open the link, then *Retrieve secret value*).

Without a gateway (or whenever you prefer), use port forwarding: with the AWS CLI, the
Session Manager plugin and your catalog credentials, run `PortForwardingCommand` and open
`NotebookLocalURI` (RStudio: `http://localhost:8787/`; JupyterLab:
`http://localhost:8888/<id>/lab`). Only you can open that session.

The machine has no public address; its security group admits only the gateway, on HTTPS.

## Software

RStudio Server and JupyterLab are pinned releases installed in the catalog's notebook image
(see the catalog's `docs/images.md`); nothing is installed from a moving branch at boot. The
product needs the notebook image in your account and region: if the catalog operators have
not published it, the launch fails saying so. Install R or Python packages as usual; they
live on the system disk, so keep environments and data under `/data`.

## Your data: /data

`/data` is a separate encrypted disk (`DataVolumeSize`) and the notebook's working
directory. It belongs to the product, not to the instance:

- Updates that **replace the instance**: raising `ImageGeneration`, or a new product version
  that moves to a new image. The old instance stops, `/data` moves to the new one and is
  mounted again; the system disk (installed packages) is replaced.
- Updates that **keep the instance**: changing `NotebookType` or the bucket lists (the
  instance restarts), `InstanceType` (it stops and starts), `IdleStopHours`, or growing
  `DataVolumeSize`.
- **Terminating** the product deletes the instance and takes a final snapshot of `/data`,
  which the catalog operators can restore from.
"""
    + bucket_mounts.LINUX_USAGE
    + """
## Cost and idle stop

The instance stops itself when its average CPU stays below 5% for the number of hours you
chose (`IdleStopHours`; 0 turns this off): an open but unused notebook tab counts as idle, a
running computation does not. Start it again with the **Start** action; **Stop** and
**Restart** are there too. A stopped instance costs only its disks.
"""
)

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="Notebook",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=NotebookProduct,
    form=FORM,
    usage=USAGE,
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
