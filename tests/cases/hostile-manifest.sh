#!/usr/bin/env bash
# tests/hostile.cfg, the hostile catalogue, is well formed and what the
# documentation says: Documentation/guest.md's table is its
# tests/hostile.sh --doc, and Documentation/model.md describes each of
# its lies and no other.
. "$(dirname "$0")/../lib.sh"

cfg_load
note "${#CFG_LIES[@]} lies in $HOSTILE_CFG"
[ ${#CFG_LIES[@]} -gt 0 ] || fail "no lies in $HOSTILE_CFG"

doc=$TOP/Documentation/guest.md
want=$("$TOP/tests/hostile.sh" --doc)
have=$(sed -n '/^<!-- tests\/hostile.sh --doc -->$/,/^<!-- end of tests\/hostile.sh --doc -->$/p' "$doc" |
	sed '1d;$d')
[ -n "$have" ] || fail "$doc has no table between the tests/hostile.sh --doc markers"
diff -u <(echo "$have") <(echo "$want") ||
	fail "$doc's hostile table is not tests/hostile.sh --doc"

# The first column of model.md's tcg-hostile table: `NAME`s.
# shellcheck disable=SC2016 # Markdown's backquotes
model=$(sed -n '/^## Hostile hypervisor/,/^## /p' "$TOP/Documentation/model.md" |
	awk -F'|' '/^\| `/ { print $2 }' | grep -o '`[a-z0-9-]*`' | tr -d '`' | sort)
diff -u <(echo "$model") <(printf '%s\n' "${CFG_LIES[@]}" | sort) ||
	fail "Documentation/model.md's lies (-) are not those of $HOSTILE_CFG (+)"
note "Documentation/guest.md and model.md agree with the catalogue"
