#!/usr/bin/env bash
# Install Debian's MediaWiki and the PHP it needs, for the API source tests.
# Idempotent and quiet: does nothing when everything is already there.
set -euo pipefail

packages=(mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
php --version | head -n 1
