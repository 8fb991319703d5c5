#!/usr/bin/env bash
# Run one generated job with LAVA's standalone dispatcher, on this machine:
#
#   ci/lava/run.sh [--validate] JOB.yaml [OUT]
#                                 (default OUT: $CACHE/lava/run/NAME)
#
# --validate only has the dispatcher build and check the job's pipeline
# against the device (lava-run --validate), without running it.
#
# The device is ci/lava/devices/sev-es-model.jinja2 rendered as
# lava-server would render it for the job: with LAVA's qemu device type
# (lava-server's device-types, from its Debian package, downloaded and
# unpacked, never installed) and the job's context.  lava-run finds our
# QEMU first in PATH.  Prints the end of the job's log and exits 0 when
# the job completed with every result passing.
. "$(dirname "$0")/../../scripts/lib.sh"

LAVA_SERVER_PKG=lava-server
# lava_common and lava_dispatcher are Debian's, for Debian's python.
PY=/usr/bin/python3

# render JOB DEVICE: the device dictionary rendered with JOB's context.
render() {
	local types=$UNPACK/$LAVA_SERVER_PKG/usr/share/lava-server/device-types
	[ -f "$types/qemu.jinja2" ] || die "no LAVA device types in $types"
	"$PY" - "$1" "$types" "$TOP/ci/lava/devices" >"$2" <<-'PY'
	import sys, yaml, jinja2
	job, types, devices = sys.argv[1:4]
	context = yaml.safe_load(open(job)).get("context", {})
	env = jinja2.Environment(loader=jinja2.FileSystemLoader([devices, types]),
	                         trim_blocks=True, autoescape=False)
	text = env.get_template("sev-es-model.jinja2").render(**context)
	yaml.safe_load(text)  # a device lava-run can read
	print(text)
	PY
}

# summary LOG: the test results in lava-run's log, by suite; fails when
# one failed or the job did not pass.
summary() {
	"$PY" - "$1" <<-'PY'
	import collections, json, sys
	counts, failed, job = collections.Counter(), [], None
	for line in open(sys.argv[1]):
	    try:
	        entry = json.loads(line)
	    except ValueError:
	        continue
	    if entry.get("lvl") != "results":
	        continue
	    r = entry["msg"]
	    if r["definition"] == "lava":
	        if r["case"] == "job":
	            job = r["result"]
	        continue
	    counts[(r["definition"], r["result"])] += 1
	    if r["result"] == "fail":
	        failed.append("%s/%s" % (r["definition"], r["case"]))
	for (suite, result), n in sorted(counts.items()):
	    print("results: %s: %d %s" % (suite, n, result))
	print("job result: %s" % job)
	if failed:
	    print("failed: " + " ".join(failed))
	sys.exit(0 if job == "pass" and not failed else 1)
	PY
}

main() {
	local validate=() job name out rc=0

	if [ "${1:-}" = --validate ]; then
		validate=(--validate); shift
	fi
	job=${1:?usage: $0 [--validate] JOB.yaml [OUT]}

	name=$(basename "$job" .yaml)
	out=${2:-$CACHE/lava/run/$name}
	command -v lava-run >/dev/null || die "no lava-run (apt-get install lava-dispatcher)"
	fetch_deb "$LAVA_SERVER_PKG"
	rm -rf "$out" && mkdir -p "$out/tmp"
	render "$job" "$out/device.yaml"
	log "lava-run $job (device $out/device.yaml, output $out)"
	PATH=${QEMU%/*}:$PATH timeout -k 10 1800 lava-run "${validate[@]}" --job-id "$$" \
		--output-dir "$out/tmp" --device "$out/device.yaml" "$job" \
		>"$out/lava.log" 2>&1 || rc=$?
	tail -n 8 "$out/lava.log"
	echo "lava-run exit status $rc; log: $out/lava.log"
	summary "$out/lava.log" || rc=1
	return "$rc"
}

main "$@"
