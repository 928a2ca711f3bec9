#!/bin/bash
#: Installed as /usr/local/sbin/research-catalog-mount-buckets by linux_bucket_mounts.sh and run
#: by a systemd unit at every boot. "${" never appears: the user data is an Fn::Sub template.
# Mounts the buckets listed in this instance's user data under @LINUX_MOUNT_ROOT@/<name>.
set -euo pipefail
imds=http://169.254.169.254/latest
token=$(curl -fsS -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
metadata() { curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/$1"; }
user_data=$(metadata user-data)
region=$(metadata meta-data/placement/region)
# Every bucket must belong to this account: a name that moved to another account (a purged
# bucket claimed from outside) is refused by S3 instead of mounted. The instance role's grants
# carry the same condition (s3:ResourceAccount).
account=$(metadata dynamic/instance-identity/document |
  sed -n 's/.*"accountId"[[:space:]]*:[[:space:]]*"\([0-9]\{12\}\)".*/\1/p')
[ -n "$account" ] || { echo "cannot read this instance's account" >&2; exit 1; }
listed() {
  printf '%s\n' "$user_data" | sed -n "s/^# research-catalog-$1-buckets: //p" |
    tr ',' '\n' | sed '/^$/d'
}
root=@LINUX_MOUNT_ROOT@
mkdir -p "$root"
# Directories of buckets no longer listed (nothing is mounted yet at boot).
find "$root" -mindepth 1 -maxdepth 1 -type d -empty -delete
[ -n "$(listed read-only; listed read-write)" ] || exit 0
if ! command -v mount-s3 >/dev/null; then
  # shellcheck source=/dev/null
  . /etc/os-release
  case "$(uname -m)" in x86_64) arch=x86_64 ;; aarch64) arch=arm64 ;; esac
  if [ "$ID" = ubuntu ]; then package=deb; else package=rpm; fi
  file="mount-s3-@MOUNTPOINT_VERSION@-$arch.$package"
  release="https://s3.amazonaws.com/mountpoint-s3-release"
  curl -fsSL -o "/tmp/$file" "$release/@MOUNTPOINT_VERSION@/$arch/$file"
  curl -fsSL -o "/tmp/$file.asc" "$release/@MOUNTPOINT_VERSION@/$arch/$file.asc"
  curl -fsSL -o /tmp/mountpoint-keys "$release/public_keys/KEYS"
  # Installed only with a valid signature by one of AWS's Mountpoint signing keys, pinned by
  # fingerprint (the key file comes from the same server, so it proves nothing by itself).
  GNUPGHOME=$(mktemp -d)
  export GNUPGHOME
  gpg --batch --quiet --import /tmp/mountpoint-keys
  gpg --batch --status-fd 1 --verify "/tmp/$file.asc" "/tmp/$file" > /tmp/mountpoint-verify
  grep -Eq '^\[GNUPG:\] VALIDSIG .*(@MOUNTPOINT_SIGNING_KEYS@)' /tmp/mountpoint-verify
  if [ "$package" = deb ]; then
    apt-get install -y -q "/tmp/$file"
  else
    dnf install -y "/tmp/$file"
  fi
  rm -rf "/tmp/$file" "/tmp/$file.asc" /tmp/mountpoint-keys /tmp/mountpoint-verify "$GNUPGHOME"
fi
owner_uid=$(id -u ssm-user)
owner_gid=$(id -g ssm-user)
mount_bucket() {
  name=$1
  shift
  mountpoint -q "$root/$name" && return 0
  mkdir -p "$root/$name"
  mount-s3 "$name" "$root/$name" --region "$region" --allow-other \
    --expected-bucket-owner "$account" --uid "$owner_uid" --gid "$owner_gid" "$@"
  echo "mounted s3://$name at $root/$name ($*)"
}
for name in $(listed read-only); do mount_bucket "$name" --read-only; done
for name in $(listed read-write); do mount_bucket "$name" --allow-delete --allow-overwrite; done
