#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb.sh - the arm64 .deb (`make deb`, mk/deb.mk), on the host, no QEMU:
# its control fields, its contents and their owners, the CLI inside (an
# aarch64 static ELF, stripped, built for PREFIX=/usr), the shim inside
# (build/shim.Image), both man pages (rendered without a warning; kreloc.8
# names every live command and every option their --help prints), the units
# kreloc-load.service and kreloc-stamp.service (systemd-analyze verify, in a
# root holding the package), lintian (errors
# and warnings fail; SKIP when lintian is not installed), and dpkg -i / -L /
# -r into a throwaway root (dpkg --root, --force-architecture).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init deb

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
VERSION=$(cat "$E2E_ROOT/VERSION")
DEB=$E2E_ROOT/build/kreloc_${VERSION}_arm64.deb
LOG=$E2E_OUT/deb
mkdir -p "$E2E_OUT"
CROSS=${CROSS:-aarch64-linux-gnu-}

# ---- build ------------------------------------------------------------------
rm -f "$DEB"
if ! make -C "$E2E_ROOT" --no-print-directory deb >"$LOG.build" 2>&1 || [ ! -s "$DEB" ]; then
	e2e_fail deb_build "make deb failed: $(tail -n 3 "$LOG.build" | tr '\n' ' ')"
	exit 1
fi
e2e_pass deb_build

# ---- control ----------------------------------------------------------------
dpkg-deb --info "$DEB" >"$TMP/info" 2>&1
field() { dpkg-deb --field "$DEB" "$1" 2>/dev/null; }
e2e_check deb_package "Package: $(field Package)" [ "$(field Package)" = kreloc ]
e2e_check deb_version "Version: $(field Version), VERSION: $VERSION" [ "$(field Version)" = "$VERSION" ]
e2e_check deb_architecture "Architecture: $(field Architecture)" [ "$(field Architecture)" = arm64 ]
e2e_check deb_section_priority "Section: $(field Section), Priority: $(field Priority)" \
	[ "$(field Section)" = admin -a "$(field Priority)" = optional ]
e2e_check deb_maintainer "Maintainer: $(field Maintainer)" \
	grep -Eq '^ Maintainer: [^<]+ <[^@>]+@[^>]+>$' "$TMP/info"
# The CLI is static: nothing to depend on.
e2e_check deb_no_depends "Depends: $(field Depends) (the CLI is static)" \
	[ -z "$(field Depends)" -a -z "$(field Pre-Depends)" ]
desc_lines=$(field Description | wc -l)
e2e_check deb_description "Description has $desc_lines lines (a synopsis and an extended description)" \
	[ "$desc_lines" -ge 3 -a -n "$(field Description | head -n 1)" ]
dpkg-deb -x "$DEB" "$TMP/root"
# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up; 1 per other entry.
size=$(cd "$TMP/root" && find . -mindepth 1 \( -type f -printf '%s\n' -o -printf '1024\n' \) |
	awk '{ s += int(($1 + 1023) / 1024) } END { print s }')
e2e_check deb_installed_size "Installed-Size: $(field Installed-Size), contents: $size KiB" \
	[ "$(field Installed-Size)" = "$size" ]

# ---- contents -----------------------------------------------------------------
dpkg-deb --contents "$DEB" >"$TMP/contents"
missing=
for f in ./usr/bin/kreloc ./usr/share/kreloc/shim.Image ./usr/share/man/man8/kreloc.8.gz \
	./usr/share/man/man1/kreloc.1.gz ./lib/systemd/system/kreloc-load.service \
	./lib/systemd/system/kreloc-stamp.service \
	./usr/share/doc/kreloc/copyright ./usr/share/doc/kreloc/changelog.gz; do
	awk -v f="$f" '$NF == f { ok = 1 } END { exit !ok }' "$TMP/contents" || missing+=" $f"
done
e2e_check deb_contents "missing from the package:$missing" [ -z "$missing" ]
e2e_check deb_owner_root "entries not owned by root/root: $(awk '$2 != "root/root"' "$TMP/contents" | head -n 3 | tr '\n' ' ')" \
	[ -z "$(awk '$2 != "root/root"' "$TMP/contents")" ]
e2e_check deb_modes "the CLI is not -rwxr-xr-x or a data file is not -rw-r--r--" \
	awk '$NF == "./usr/bin/kreloc" && $1 != "-rwxr-xr-x" { bad = 1 }
	     $1 ~ /^-/ && $NF != "./usr/bin/kreloc" && $1 != "-rw-r--r--" { bad = 1 } END { exit bad }' "$TMP/contents"
e2e_check deb_copyright "copyright is not machine-readable with the Expat (MIT) license" \
	grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
	"$TMP/root/usr/share/doc/kreloc/copyright"
e2e_check deb_changelog "changelog.gz does not name version $VERSION" \
	bash -c "zcat '$TMP/root/usr/share/doc/kreloc/changelog.gz' | head -n 1 | grep -q '^kreloc ($VERSION) '"

# ---- the CLI and the shim inside -------------------------------------------------
cli=$TMP/root/usr/bin/kreloc
hdr=$(od -An -tx1 -N 20 "$cli" | tr -d ' \n')
# ELF magic, 64-bit (02), little-endian (01), e_machine 0xb7 (AArch64) at 18.
e2e_check deb_cli_aarch64 "not a little-endian 64-bit AArch64 ELF (header $hdr)" \
	[ "${hdr:0:12}" = 7f454c460201 -a "${hdr:36:4}" = b700 ]
e2e_check deb_cli_static "has a program interpreter or a dynamic section" \
	bash -c "! ${CROSS}readelf -lW '$cli' | grep -q INTERP && ! ${CROSS}readelf -SW '$cli' | grep -q ' \\.dynamic '"
e2e_check deb_cli_stripped "debug or symbol sections left" \
	bash -c "! ${CROSS}readelf -SW '$cli' | grep -Eq ' \\.(debug_[a-z]+|symtab) '"
# Built with PREFIX=/usr: its first shim default is /usr/share/kreloc/shim.Image,
# none under /usr/local.
e2e_check deb_cli_prefix "the CLI names a /usr/local path (not built with PREFIX=/usr)" \
	bash -c "! grep -aq /usr/local/ '$cli' && grep -aq /usr/share/kreloc/shim.Image '$cli'"
e2e_check deb_shim "usr/share/kreloc/shim.Image differs from build/shim.Image" \
	cmp -s "$TMP/root/usr/share/kreloc/shim.Image" "$E2E_ROOT/build/shim.Image"

# ---- man pages ------------------------------------------------------------------
for m in man1/kreloc.1 man8/kreloc.8; do
	page=$TMP/root/usr/share/man/$m.gz
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$TMP/man.out" 2>"$TMP/man.err"
	rc=$?
	e2e_check "deb_man_${m#*/}" "man -l exit $rc, $(wc -l <"$TMP/man.out") lines, warnings: $(head -n 3 "$TMP/man.err" | tr '\n' ' ')" \
		[ "$rc" = 0 -a ! -s "$TMP/man.err" -a "$(wc -l <"$TMP/man.out")" -gt 50 ]
done
# kreloc.8 documents every live command, names the others, and has every
# option the CLI's --help prints for load, plan --live and status.
man8=$TMP/kreloc.8
zcat "$TMP/root/usr/share/man/man8/kreloc.8.gz" >"$man8"
undoc=
for c in load exec unload status 'plan \\-\\-live' stamp report; do
	grep -q "^\\.SS \"kreloc $c" "$man8" || undoc+=" section:$c"
done
for c in $("$E2E_CLI" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
	grep -q "\\b$c\\b" "$man8" || undoc+=" command:$c"
done
# roff: each '-' of an option is written '\-'.
roff_opt() { printf '%s' "$1" | sed 's/-/\\-/g'; }
# Every option of load is an item of its own (the line after a .TP) ...
awk 'prev == ".TP" { print } { prev = $0 }' "$man8" >"$TMP/items"
opts=$("$E2E_CLI" load --help | grep -o -- '^  --[a-z][a-z-]*' | sort -u)
for o in $opts; do
	grep -qF -- "$(roff_opt "$o") " "$TMP/items" || grep -qxF -- ".B $(roff_opt "$o")" "$TMP/items" ||
		grep -qF -- ".BR $(roff_opt "$o") " "$TMP/items" || undoc+=" load-item:$o"
done
# ... and every option of plan --live, status, stamp and report is named.
for o in $({ "$E2E_CLI" plan --live --help; "$E2E_CLI" status --help; "$E2E_CLI" stamp --help
	"$E2E_CLI" report --help; } | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -qF -- "$(roff_opt "$o")" "$man8" || undoc+=" option:$o"
done
e2e_check deb_man8_complete "kreloc.8 misses:$undoc" [ -z "$undoc" -a "$(printf '%s\n' $opts | wc -l)" -ge 7 ]

# ---- the systemd unit ------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	# In a root holding the package (ExecStart= must exist there) and the
	# host's targets; Documentation=man:kreloc(8) is looked up in its man pages.
	mkdir -p "$TMP/sroot/usr/lib/systemd/system"
	cp -a "$TMP/root/." "$TMP/sroot/"
	cp -a /usr/lib/systemd/system/*.target "$TMP/sroot/usr/lib/systemd/system/" 2>/dev/null
	for u in load stamp; do
		MANPATH=$TMP/sroot/usr/share/man SYSTEMD_LOG_LEVEL=notice \
			systemd-analyze verify --root="$TMP/sroot" /lib/systemd/system/kreloc-$u.service \
			>"$TMP/sdv" 2>&1
		rc=$?
		n=deb_unit_verify
		[ "$u" = load ] || n=deb_unit_${u}_verify
		e2e_check "$n" "systemd-analyze verify kreloc-$u.service exit $rc: $(head -n 3 "$TMP/sdv" | tr '\n' ' ')" \
			[ "$rc" = 0 -a ! -s "$TMP/sdv" ]
	done
else
	e2e_skip deb_unit_verify "systemd-analyze is not installed"
	e2e_skip deb_unit_stamp_verify "systemd-analyze is not installed"
fi
unit=$TMP/root/lib/systemd/system/kreloc-load.service
e2e_check deb_unit_no_stop "the unit has an ExecStop= (it would unload during systemctl kexec)" \
	bash -c "! grep -q '^ExecStop' '$unit' && grep -qx 'ExecStart=/usr/bin/kreloc load \$KRELOC_LOAD_ARGS' '$unit'"

# kreloc-stamp.service: the up stamp when started after multi-user.target,
# the shutdown stamp when stopped, enabled into multi-user.target.
unit=$TMP/root/lib/systemd/system/kreloc-stamp.service
e2e_check deb_unit_stamp "kreloc-stamp.service: not ExecStart= kreloc stamp --up, ExecStop= kreloc stamp, After= and WantedBy=multi-user.target" \
	bash -c "grep -qx 'ExecStart=/usr/bin/kreloc stamp --up' '$unit' && grep -qx 'ExecStop=/usr/bin/kreloc stamp' '$unit' &&
		grep -qx 'After=multi-user.target' '$unit' && grep -qx 'WantedBy=multi-user.target' '$unit' &&
		grep -qx 'Type=oneshot' '$unit' && grep -qx 'RemainAfterExit=yes' '$unit'"

# ---- lintian ---------------------------------------------------------------------
if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error,warning "$DEB" >"$TMP/lintian" 2>&1
	rc=$?
	grep -v '^running with root privileges' "$TMP/lintian" | sed 's/^/  lintian: /'
	e2e_check deb_lintian "lintian exit $rc: $(grep -E '^[EW]: ' "$TMP/lintian" | head -n 3 | tr '\n' ' ')" \
		[ "$rc" = 0 ]
else
	e2e_skip deb_lintian "lintian is not installed"
fi

# ---- dpkg -i / -L / -r into a throwaway root ---------------------------------------
R=$TMP/dpkgroot
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
dpkg --root="$R" --force-architecture -i "$DEB" >"$TMP/dpkg" 2>&1
rc=$?
e2e_check deb_dpkg_install "dpkg -i exit $rc: $(grep -v 'warning' "$TMP/dpkg" | tail -n 2 | tr '\n' ' ')" \
	[ "$rc" = 0 -a "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Status}' kreloc 2>/dev/null)" = "install ok installed" ]
e2e_check deb_dpkg_list "dpkg -L kreloc does not list the CLI, the shim and the unit" \
	bash -c "dpkg --root='$R' -L kreloc | grep -qx /usr/bin/kreloc &&
		dpkg --root='$R' -L kreloc | grep -qx /usr/share/kreloc/shim.Image &&
		dpkg --root='$R' -L kreloc | grep -qx /lib/systemd/system/kreloc-load.service &&
		dpkg --root='$R' -L kreloc | grep -qx /lib/systemd/system/kreloc-stamp.service"
dpkg --root="$R" -r kreloc >"$TMP/dpkg" 2>&1
rc=$?
left=$(find "$R" -path "$R/var" -prune -o -type f -print | head -n 3)
e2e_check deb_dpkg_remove "dpkg -r exit $rc, left: $left" [ "$rc" = 0 -a -z "$left" ]
