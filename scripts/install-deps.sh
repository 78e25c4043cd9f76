#!/usr/bin/env bash
# Installs the Debian 12 packages edgeseek needs to build and test. Idempotent: only
# missing packages are installed, so a prepared machine pays nothing.
set -euo pipefail
pkgs=(
  build-essential cmake make pkg-config git
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libssl-dev libedit-dev
  clang libclang-rt-dev tmux python3
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js for the server's OpenAI-client tests. Only when missing: a machine may have its own
# Node.js (e.g. a nodesource build that bundles npm and conflicts with Debian's npm package).
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "install-deps: installing nodejs npm"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
bash "$(dirname "$0")/install-npm-deps.sh"
