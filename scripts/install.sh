#!/usr/bin/env bash
# Create .venv with the machine's python3 and install the project with pinned deps.
# Re-runs are cheap: nothing happens unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ -f "$stamp" ] && [ -x .venv/bin/sanzhang ]; then
  exit 0
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "需要 Python 3.10 或更新版本 / Python 3.10+ is required ($("$PY" -V))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if .venv/bin/pip install -q uv 2>/dev/null; then
  .venv/bin/uv pip install -q --python .venv/bin/python -e '.[test]'
else
  .venv/bin/pip install -q -e '.[test]'
fi
rm -f .venv/.installed-*
touch "$stamp"
