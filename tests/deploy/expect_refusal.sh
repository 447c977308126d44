# Sourced by the deploy refusal tests: runs a checker command, which must
# exit 1 and print a line matching each given pattern (grep -E).
#   expect_refusal "what refused" PATTERN... -- COMMAND...
expect_refusal() {
  local what=$1 patterns=() output code expected
  shift
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  output=$("$@")
  code=$?
  echo "${output}"
  [ "${code}" = 1 ] || { echo "FAILED: exit code ${code}, expected 1" >&2; exit 1; }
  for expected in "${patterns[@]}"; do
    grep -qE "${expected}" <<< "${output}" || { echo "FAILED: no line matching: ${expected}" >&2; exit 1; }
  done
  echo "${what}"
}
