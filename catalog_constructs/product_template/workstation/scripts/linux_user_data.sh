#!/bin/bash
#: The first-boot script of every Linux workstation (linux_setup.py renders it): it logs to
#: the setup log, signals the product's wait condition when it ends, writes the CloudWatch
#: agent's settings, mounts the data volume, runs what a public image needs installed (never
#: anything on a catalog image), the GPU activity reporter, the product's own setup, then the
#: bucket mounts where the product offers them. ${Name} are CloudFormation's (Fn::Sub).
set -euo pipefail
exec >> @SETUP_LOG@ 2>&1
signal() {
  #: '${WaitHandle}' is CloudFormation's: the wait condition's pre-signed URL.
  # shellcheck disable=SC2016
  curl -fsS -X PUT -H 'Content-Type:' --data-binary "{\"Status\":\"$1\",\"Reason\":\"$2\",\"UniqueId\":\"setup\",\"Data\":\"$2\"}" '${WaitHandle}'
}
trap 'signal FAILURE "setup failed at line $LINENO; see the research-catalog-setup log stream"' ERR
mkdir -p /opt/research-catalog
cat > @AGENT_CONFIG_PATH@ <<'JSON'
@AGENT_CONFIG@
JSON
@DATA_VOLUME@
@IMAGE_SETUP@
@ACTIVITY@
@PRODUCT_SETUP@
@BUCKET_MOUNTS@
signal SUCCESS 'workstation ready'
