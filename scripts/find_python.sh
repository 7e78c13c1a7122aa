#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (e.g. 3.10), or fail with a clear message.
set -euo pipefail
want="${1:?usage: find_python.sh 3.10}"
candidates=("python${want}")
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"${want}".*/bin /usr/local/bin /usr/bin; do
  candidates+=("${dir}/python${want}")
done
for c in "${candidates[@]}"; do
  if path=$(command -v "$c" 2>/dev/null) && "$path" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '${want}'.split('.')))" 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
echo "error: Python ${want} not found. Install it (e.g. 'pyenv install ${want}') and re-run." >&2
exit 1
