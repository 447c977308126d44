#!/usr/bin/env bash
# Fails (and names the files) when a tracked C++ file differs from what
# clang-format makes of it with the repository's .clang-format.
# `scripts/check_format.sh --fix` formats them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
unformatted=()
for file in "${files[@]}"; do
  clang-format --dry-run --Werror "${file}" >/dev/null 2>&1 || unformatted+=("${file}")
done
if ((${#unformatted[@]} > 0)); then
  echo "not formatted (run scripts/check_format.sh --fix):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
