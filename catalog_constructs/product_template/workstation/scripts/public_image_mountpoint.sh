# shellcheck shell=bash
#: Part of the public-image fallback of a Linux workstation (only where no catalog image exists
#: for it): installs Mountpoint for Amazon S3 at first boot, the pinned release the catalog's
#: images carry, and only with a valid signature by one of AWS's Mountpoint signing keys, pinned
#: by fingerprint (the key file comes from the same server, so it proves nothing by itself).
if ! command -v mount-s3 >/dev/null; then
  # shellcheck source=/dev/null
  . /etc/os-release
  case "$(uname -m)" in x86_64) mp_arch=x86_64 ;; aarch64) mp_arch=arm64 ;; esac
  if [ "$ID" = ubuntu ]; then mp_package=deb; else mp_package=rpm; fi
  mp_file="mount-s3-@MOUNTPOINT_VERSION@-$mp_arch.$mp_package"
  mp_release="https://s3.amazonaws.com/mountpoint-s3-release"
  curl -fsSL -o "/tmp/$mp_file" "$mp_release/@MOUNTPOINT_VERSION@/$mp_arch/$mp_file"
  curl -fsSL -o "/tmp/$mp_file.asc" "$mp_release/@MOUNTPOINT_VERSION@/$mp_arch/$mp_file.asc"
  curl -fsSL -o /tmp/mountpoint-keys "$mp_release/public_keys/KEYS"
  GNUPGHOME=$(mktemp -d)
  export GNUPGHOME
  gpg --batch --quiet --import /tmp/mountpoint-keys
  gpg --batch --status-fd 1 --verify "/tmp/$mp_file.asc" "/tmp/$mp_file" > /tmp/mountpoint-verify
  grep -Eq '^\[GNUPG:\] VALIDSIG .*(@MOUNTPOINT_SIGNING_KEYS@)' /tmp/mountpoint-verify
  if [ "$mp_package" = deb ]; then
    apt-get install -y -q "/tmp/$mp_file"
  else
    dnf install -y "/tmp/$mp_file"
  fi
  rm -rf "/tmp/$mp_file" "/tmp/$mp_file.asc" /tmp/mountpoint-keys /tmp/mountpoint-verify "$GNUPGHOME"
  unset GNUPGHOME
fi
