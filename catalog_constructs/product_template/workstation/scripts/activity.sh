#!/bin/bash
#: Installed as /usr/local/sbin/research-catalog-activity by linux_activity.sh; a timer runs it
#: every minute. "${" never appears: the user data is an Fn::Sub template.
#: Reports the busier of CPU and GPU (percent) as the instance's activity, so that a training
#: job at low CPU keeps a GPU workstation running. Without an NVIDIA GPU it reports nothing (the
#: idle stop of a CPU instance watches EC2's own CPU metric).
set -euo pipefail
grep -qs 0x10de /sys/bus/pci/devices/*/vendor || exit 0
state=/run/research-catalog-activity
read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
busy=$((user + nice + system + irq + softirq + steal))
total=$((busy + idle + iowait))
cpu=0
if [ -f "$state" ]; then
  read -r last_busy last_total < "$state"
  if [ "$total" -gt "$last_total" ]; then
    cpu=$((100 * (busy - last_busy) / (total - last_total)))
  fi
fi
echo "$busy $total" > "$state"
gpu=0
if command -v nvidia-smi >/dev/null; then
  for value in $(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits); do
    [ "$value" -gt "$gpu" ] && gpu=$value
  done
fi
activity=$((cpu > gpu ? cpu : gpu))
imds=http://169.254.169.254/latest
token=$(curl -fsS -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
metadata() { curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/$1"; }
aws cloudwatch put-metric-data --region "$(metadata placement/region)" \
  --namespace @NAMESPACE@ --metric-name @METRIC@ --unit Percent --value "$activity" \
  --dimensions "InstanceId=$(metadata instance-id)"
