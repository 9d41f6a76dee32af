#!/usr/bin/env bash
# Installs the system Chromium, its driver and a CJK font from Debian's packages for the browser tests.
# Never downloads a browser build of its own (no `playwright install`).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'WenQuanYi Micro Hei'; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "需要 root 安装 chromium / chromium-driver / fonts-wqy-microhei（或请管理员预先安装）" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-microhei >/dev/null
