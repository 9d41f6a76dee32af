#!/usr/bin/env bash
# Installs, from Debian's packages, what the browser and workbook tests need: the system Chromium, its driver and a
# CJK font (browser tests), LibreOffice Calc without GUI and poppler-utils (the finance workbook is converted to PDF
# headlessly and its pages counted). Installs only what is missing; never downloads a browser build of its own
# (no `playwright install`).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi 'WenQuanYi Micro Hei' || missing+=(fonts-wqy-microhei)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
{ command -v pdfinfo >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || missing+=(poppler-utils)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "需要 root 安装 ${missing[*]}（或请管理员预先安装）" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
