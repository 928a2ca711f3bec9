#!/bin/bash
#: Installed as /usr/local/sbin/research-catalog-notebook by setup.sh and run by a unit at every
#: boot. '${Name}' are CloudFormation's (Fn::Sub): literal text by the time the shell reads
#: them, hence single quotes throughout.
# shellcheck disable=SC2016
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
    ;;
  JupyterLab)
    systemctl disable --now rstudio-server
    install -d -m 0700 -o ssm-user -g ssm-user /etc/research-catalog/jupyter
    python3 -c '
import json, sys
print(json.dumps({
    "ServerApp": {"ip": "127.0.0.1", "port": 8888, "base_url": "/",
                  "root_dir": "/data", "open_browser": False},
    "IdentityProvider": {"token": sys.argv[1]},
}))' "$password" > /etc/research-catalog/jupyter/jupyter_server_config.json
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
  # This notebook's own host name on the gateway: <route id>.<gateway domain>.
  host=$(printf '%s' "$gateway" | python3 -c '
import json, sys, urllib.parse
print(sys.argv[1] + "." + urllib.parse.urlsplit(json.load(sys.stdin)["base_url"]).hostname)
' "$route_id")
  printf '%s' "$gateway" | python3 -c '
import json, sys
gateway = json.load(sys.stdin)
settings = {"region": sys.argv[1], "load_balancer_arn": gateway["load_balancer_arn"],
            "owner_claim": gateway["owner_claim"], "owner": sys.argv[2], "host": sys.argv[3]}
with open("/etc/research-catalog/owner-check.json", "w") as handle:
    json.dump(settings, handle)' "$region" "$owner" "$host"
  chmod 0644 /etc/research-catalog/owner-check.json
  # The load balancer does not verify target certificates; this one only encrypts the hop.
  install -d -m 0700 /etc/research-catalog/tls
  [ -f /etc/research-catalog/tls/cert.pem ] ||
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=research-catalog-notebook' \
      -keyout /etc/research-catalog/tls/key.pem -out /etc/research-catalog/tls/cert.pem
  # Two servers: the default one answers only the load balancer's health check (it connects
  # by address) and 404 for any other host; the notebook is served only under its own host
  # name, the route the owner check is bound to. The load balancer's token headers are
  # removed before the request reaches RStudio or Jupyter: the access token is the signed-in
  # user's token at the identity provider, the notebook needs none of them.
  cat > /etc/nginx/conf.d/research-catalog-notebook.conf <<'NGINX'
map $http_upgrade $connection_upgrade {
  default upgrade;
  '' close;
}
server {
  listen 443 ssl default_server;
  ssl_certificate /etc/research-catalog/tls/cert.pem;
  ssl_certificate_key /etc/research-catalog/tls/key.pem;
  location = /research-catalog-health {
    access_log off;
    return 200 "ok\n";
  }
  location / {
    return 404;
  }
}
server {
  listen 443 ssl;
  server_name NOTEBOOK_HOST;
  ssl_certificate /etc/research-catalog/tls/cert.pem;
  ssl_certificate_key /etc/research-catalog/tls/key.pem;
  client_max_body_size 0;
  location = /research-catalog-owner-check {
    internal;
    proxy_pass http://127.0.0.1:9099;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-Host $host;
  }
  location / {
    auth_request /research-catalog-owner-check;
    proxy_pass UPSTREAM;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto https;
    proxy_set_header x-amzn-oidc-accesstoken "";
    proxy_set_header x-amzn-oidc-identity "";
    proxy_set_header x-amzn-oidc-data "";
    proxy_read_timeout 1d;
  }
}
NGINX
  sed -i -e "s|NOTEBOOK_HOST|$host|" -e "s|UPSTREAM|$upstream|" \
    /etc/nginx/conf.d/research-catalog-notebook.conf
  nginx -t
  systemctl enable --now research-catalog-owner-check
  systemctl enable nginx
  systemctl restart nginx
fi
