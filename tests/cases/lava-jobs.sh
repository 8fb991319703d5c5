#!/usr/bin/env bash
# The LAVA jobs ci/lava/generate.sh writes are valid LAVA: each passes
# lava_common's job schema (what lava-server checks on submission) and
# LAVA's dispatcher builds its pipeline against our device dictionary
# (lava-run --validate); then lava-run runs the SEV-ES boot job for real
# and every result it reports passes.
. "$(dirname "$0")/../lib.sh"

# Debian's lava-common is for Debian's python, whatever python3 is first
# in PATH.
PY=/usr/bin/python3

"$PY" -c 'import lava_common.schemas' 2>/dev/null ||
	fail "no lava_common for $PY (make deps installs lava-common)"
out=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-lava.XXXXXX")
trap 'rm -rf "$out"' EXIT

mapfile -t jobs < <("$TOP/ci/lava/generate.sh" "$out")
[ ${#jobs[@]} = 3 ] || fail "expected 3 jobs, got: ${jobs[*]}"

note "lava_common.schemas.validate (strict), as lava-server on submission"
"$PY" - "${jobs[@]}" <<'PY' || fail "a job does not validate"
import sys, yaml
from lava_common.schemas import validate
bad = 0
for path in sys.argv[1:]:
    try:
        validate(yaml.safe_load(open(path)), strict=True)
        print("valid:", path.rsplit("/", 1)[-1])
    except Exception as exc:
        print("INVALID:", path.rsplit("/", 1)[-1], exc)
        bad = 1
sys.exit(bad)
PY

for job in "${jobs[@]}"; do
	note "lava-run --validate ${job##*/}"
	"$TOP/ci/lava/run.sh" --validate "$job" "$out/validate-$(basename "$job" .yaml)" |
		tail -n 2 || fail "the dispatcher rejects ${job##*/}"
done

note "lava-run sev-es-boot.yaml"
"$TOP/ci/lava/run.sh" "$out/jobs/sev-es-boot.yaml" "$out/run" | tail -n 4 >"$out/summary" ||
	{ cat "$out/summary"; fail "the SEV-ES boot job did not pass"; }
cat "$out/summary"
grep -q '^results: sev-es-kunit: [1-9][0-9]* pass' "$out/summary" || fail "no KUnit results"
grep -q '^results: sev-es-check: 2 pass' "$out/summary" || fail "the guest's checks did not pass"
echo "ok lava-jobs"
