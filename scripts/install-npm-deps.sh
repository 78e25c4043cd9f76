#!/usr/bin/env bash
# Installs the npm packages the server tests use (the official `openai` client, pinned in
# tests/server/js/package-lock.json) into tests/server/js/node_modules (git-ignored).
# Idempotent: nothing is fetched when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../tests/server/js"
want=$(node -p "require('./package-lock.json').packages['node_modules/openai'].version")
have=$(node -p "try { require('./node_modules/openai/package.json').version } catch (e) { '' }")
if [ "$want" != "$have" ]; then
  echo "install-npm-deps: installing openai@$want"
  npm ci --no-audit --no-fund --loglevel=error
fi
