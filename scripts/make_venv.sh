#!/usr/bin/env bash
# Create (or refresh) a virtual environment with ONE pip command against a pinned constraints file.
#   make_venv.sh VENV_DIR PYTHON_VERSION REQUIREMENTS CONSTRAINTS [extra pip args...]
# Installing packages one at a time into the Rasa venv silently upgrades numpy and breaks TensorFlow,
# so everything is resolved together, and a stamp records the inputs so an unchanged venv is not touched.
set -euo pipefail
venv="$1"; version="$2"; reqs="$3"; constraints="$4"; shift 4
here="$(cd "$(dirname "$0")" && pwd)"
stamp="$venv/.rexian-stamp"
want="$(cat "$reqs" "$constraints" | sha256sum | cut -c1-16) $*"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "venv $venv up to date"; exit 0
fi
python="$("$here/find_python.sh" "$version")"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '${version}'.split('.')))"; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
echo "installing $reqs into $venv (one pip command, constraints $constraints) ..."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs" -c "$constraints" "$@"
echo "$want" > "$stamp"
