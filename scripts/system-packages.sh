#!/usr/bin/env bash
# Installs the Debian packages WeasyPrint needs to set Chinese contracts: Pango, HarfBuzz's subsetter
# (without it one contract takes ~15 s instead of ~0.5 s) and the Noto CJK fonts.
# Extra packages may be named in ACCORD_EXTRA_PACKAGES (CI adds the browser for end-to-end tests).
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk ${ACCORD_EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || { echo "Missing system packages: ${missing[*]} (no apt-get here; install them with your package manager)"; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "Accord needs these system packages: ${missing[*]}"
  echo "Install them as root, then run make again:"
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
