# shellcheck shell=bash
# Reading tests/hostile.cfg, the hostile-hypervisor catalogue (its header
# describes the format).  Source it after scripts/lib.sh.

HOSTILE_CFG=${HOSTILE_CFG:-$TOP/tests/hostile.cfg}
# Keys a section may hold; those in CFG_LISTS may repeat.
CFG_KEYS=" kernel smp timeout cmd append outcome reason text boot32 console no-console stderr no-stderr note ours debian "
CFG_LISTS=" console no-console stderr no-stderr "
CFG_OUTCOMES=" terminate terminate-later userland stops terminate-or-userland "
declare -A CFG=()
CFG_LIES=()

cfg_error() { die "$HOSTILE_CFG:$1: $2"; }

# cfg_load: read the manifest into CFG ("LIE KEY" -> value; repeated keys
# one value a line) and CFG_LIES (in file order), checking its syntax.
cfg_load() {
	local line n=0 lie='' key val

	CFG=() CFG_LIES=()
	[ -f "$HOSTILE_CFG" ] || die "no manifest $HOSTILE_CFG"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in
		'' | '#'*) continue ;;
		'['*']')
			lie=${line:1:${#line}-2}
			[[ $lie =~ ^[a-z0-9][a-z0-9-]*$ ]] || cfg_error "$n" "bad lie name '$lie'"
			[ -z "${CFG[$lie]+set}" ] || cfg_error "$n" "lie '$lie' twice"
			CFG[$lie]=1
			CFG_LIES+=("$lie")
			continue ;;
		*' = '*) key=${line%% = *} val=${line#* = } ;;
		*) cfg_error "$n" "neither [lie], key = value nor a comment: $line" ;;
		esac
		[ -n "$lie" ] || cfg_error "$n" "'$key' before the first [lie]"
		[[ $CFG_KEYS == *" $key "* ]] || cfg_error "$n" "unknown key '$key'"
		case $key in
		reason | boot32)
			[[ $val =~ ^0x[0-9a-f]+\ 0x[0-9a-f]+$ ]] ||
				cfg_error "$n" "$key is 'SET CODE' in hex (0x1 0x12), not '$val'" ;;
		smp | timeout)
			[[ $val =~ ^[1-9][0-9]*$ ]] || cfg_error "$n" "$key is a number, not '$val'" ;;
		outcome)
			[[ $CFG_OUTCOMES == *" $val "* ]] || cfg_error "$n" "unknown outcome '$val'" ;;
		esac
		if [ -n "${CFG[$lie $key]+set}" ]; then
			[[ $CFG_LISTS == *" $key "* ]] || cfg_error "$n" "'$key' twice in [$lie]"
			CFG[$lie $key]+=$'\n'$val
		else
			CFG[$lie $key]=$val
		fi
	done <"$HOSTILE_CFG"
	for lie in "${CFG_LIES[@]}"; do
		case $(cfg_get "$lie" outcome) in
		terminate | terminate-later | terminate-or-userland)
			{ [ -n "$(cfg_get "$lie" reason)" ] && [ -n "$(cfg_get "$lie" text)" ]; } ||
				die "$HOSTILE_CFG: [$lie] may end in a termination request: it needs reason and text" ;;
		esac
		[ "$(cfg_get "$lie" outcome)" = terminate ] || [ -n "$(cfg_get "$lie" ours)" ] ||
			die "$HOSTILE_CFG: [$lie] does not simply terminate: the docs need 'ours'"
		[ -n "$(cfg_get "$lie" debian)" ] || die "$HOSTILE_CFG: [$lie] has no 'debian'"
	done
}

# cfg_has LIE: the manifest has a section for LIE.
cfg_has() { [ -n "${CFG[$1]+set}" ]; }

# cfg_get LIE KEY: its value, or the key's default.
cfg_get() {
	local def=
	case $2 in
	kernel) def=ours ;;
	smp) def=1 ;;
	timeout) def=90 ;;
	cmd) def=true ;;
	outcome) def=terminate ;;
	esac
	printf '%s\n' "${CFG[$1 $2]-$def}"
}

# cfg_list LIE KEY: the values of a repeatable key, one a line.
cfg_list() {
	[ -z "${CFG[$1 $2]+set}" ] || printf '%s\n' "${CFG[$1 $2]}"
}

# reason_hex SET CODE: "reason set 0x1, reason code 0x12", for messages.
reason_hex() { printf 'reason set 0x%x, reason code 0x%x' "$1" "$2"; }
