#!/usr/bin/env bash
# Installs, from Debian's packages, what `make cluster` needs besides PostgreSQL and Redis (running already): nginx
# and openssl (a throw-away TLS certificate). Installs only what is missing and never starts nginx as a system
# service: the cluster test runs its own nginx in the foreground with a config, pid and logs in a temporary directory.
set -euo pipefail
missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "需要 root 安装 ${missing[*]}（或请管理员预先安装）" >&2
  exit 1
fi
# Debian's postinst would start nginx on port 80: forbid service starts for the duration unless a policy exists.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
