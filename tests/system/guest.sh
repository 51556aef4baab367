#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# guest.sh - the system test bed (issue 14): a whole Debian arm64 system,
# systemd as PID 1, installs the package and hands itself over with
# `systemctl start kreloc-load.service` + `systemctl kexec`.  Not part of
# `make check` (it lives outside tests/e2e/); `make guest-check` runs it.
#
# test-timeout: 7200
#
# For each release in $KRELOC_GUEST_RELEASES (default "12 11"; cases are
# suffixed _12 or _11): scripts/mkguest makes or reuses the cached image
# ($CACHE/guest/debianN.raw, never changed: the run's writes go to QEMU's
# temporary qcow2 overlay, -drive snapshot=on),
# a second disk (label kreloc-test, made per run with mkfs.ext4 -d) holds
# build/kreloc_VERSION_arm64.deb (`make deb`) and guest-driver, and QEMU
# boots the guest's own kernel and initramfs (from its /boot) with
# root=LABEL=kreloc-root at EL$KRELOC_GUEST_EL (default 1; 2 enters Linux and
# the shim at EL2), GICv3 with an ITS, 2 CPUs, 2 GiB.  The
# image's kreloc-guest-test.service runs the driver after multi-user.target:
# boot 1 installs and loads, then `systemctl kexec`; boot 2 (the shim's
# next kernel) records what it sees and powers off.  The driver's facts come
# from the test disk after QEMU exits (debugfs), the shim's report from the
# console.  Cases (each a check, suffixed with the release):
#   guest_image           scripts/mkguest made or found the image
#   guest_first_boot      the driver ran in boot 1, on the guest's own kernel
#   guest_dpkg_install    dpkg -i of the package exited 0
#   guest_dpkg_list       dpkg -L kreloc lists the CLI, the shim and the unit
#   guest_load_service    systemctl start kreloc-load.service succeeded and the
#                         unit is active (its journal: "kreloc load: loaded")
#   guest_status_loaded   kreloc status: loaded by kreloc, holder alive, no page moved
#   guest_holder          the holder (argv[0] @kreloc-hold) is in the root cgroup
#   guest_kexec_started   the driver got to `systemctl kexec`
#   guest_shutdown_kexec  systemd-shutdown said "Rebooting with kexec."
#   guest_shim_report     the shim's console line kreloc-shim-report: {...},
#                         after the kexec and before boot 2, says verified
#                         true, bytes_copied_mmu_off 0 and entry_el the EL
#   guest_second_boot     the driver ran again, in boot 2, with the same
#                         kernel release and command line (--reuse-cmdline)
#   guest_multi_user      boot 2 reached multi-user.target
#   guest_counters        /chosen/kreloc,relocate-counters exists in boot 2
#                         (the trampoline's mailbox: the shim booted it)
#   guest_report          kreloc report in boot 2: shutdown, relocation and
#                         startup from kreloc-stamp.service's stamps, each
#                         non-empty, adding up to the counter's difference;
#                         verified, 0 bytes copied with the MMU off
#   guest_poweroff        boot 2 finished and QEMU exited 0 (PSCI power-off)
# Logs: build/e2e/guest_N.log (console), build/e2e/guest_N/state/ (the
# driver's files), build/e2e/guest_N.mkguest.
set -uo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init guest

VERSION=$(cat "$E2E_ROOT/VERSION")
DEB=$E2E_ROOT/build/kreloc_${VERSION}_arm64.deb
RELEASES=${KRELOC_GUEST_RELEASES:-12 11}
EL=${KRELOC_GUEST_EL:-1}
[ "$EL" = 1 ] || [ "$EL" = 2 ] || { e2e_fail guest_el "KRELOC_GUEST_EL must be 1 or 2, not '$EL'"; exit 1; }
GDIR=$CACHE/guest

if ! make -C "$E2E_ROOT" --no-print-directory deb >"$E2E_OUT/guest.deb-build" 2>&1 || [ ! -s "$DEB" ]; then
	e2e_fail guest_deb "make deb failed: $(tail -n 2 "$E2E_OUT/guest.deb-build" | tr '\n' ' ')"
	exit 1
fi
for t in mkfs.ext4 debugfs; do
	command -v "$t" >/dev/null 2>&1 || { e2e_fail guest_tools "$t is not installed"; exit 1; }
done

for rel in $RELEASES; do
	n=guest_$rel
	W=$E2E_OUT/$n
	E2E_LOG=$E2E_OUT/$n.log
	E2E_RC=''
	rm -rf "$W" "$E2E_LOG"
	mkdir -p "$W/test/state"
	s=$(date +%s)
	if ! "$E2E_ROOT/scripts/mkguest" "$rel" >"$E2E_OUT/$n.mkguest" 2>&1; then
		e2e_fail "${n}_image" "$(tail -n 1 "$E2E_OUT/$n.mkguest")"
		continue
	fi
	e2e_pass "${n}_image"
	echo "  image: $(tail -n 1 "$E2E_OUT/$n.mkguest" | sed 's/^mkguest: //') ($(($(date +%s) - s)) s)"
	img=$GDIR/debian$rel
	krel=$(cat "$img.release")

	# The run's disks: the cached root behind QEMU's own temporary overlay
	# (snapshot=on: nothing is written to it), and the test disk.
	cp "$DEB" "$W/test/kreloc.deb"
	cp "$E2E_ROOT/tests/system/guest-driver" "$W/test/driver.sh"
	truncate -s 256M "$W/test.raw"
	mkfs.ext4 -q -F -L kreloc-test -d "$W/test" "$W/test.raw" >"$W/mkfs" 2>&1 ||
		{ e2e_fail "${n}_test_disk" "mkfs.ext4 -d failed: $(tail -n 1 "$W/mkfs")"; continue; }

	s=$(date +%s)
	E2E_RC=0
	"$E2E_ROOT/scripts/qemu-run" --kernel "$img.vmlinuz" --initrd "$img.initrd" \
		--append "root=LABEL=kreloc-root ro console=ttyAMA0 panic=-1" \
		--el "$EL" --gic 3 --smp 2 --mem 2G --cpu max,pauth-impdef=on \
		--timeout 2400 --quiet --log "$E2E_LOG" \
		-- -drive "file=$img.raw,if=none,id=hd0,format=raw,snapshot=on" \
		-device virtio-blk-device,drive=hd0 \
		-drive "file=$W/test.raw,if=none,id=hd1,format=raw" \
		-device virtio-blk-device,drive=hd1 2>"$E2E_OUT/$n.qemu-run" || E2E_RC=$?
	echo "  run: qemu exit $E2E_RC after $(($(date +%s) - s)) s (both boots)"
	rm -rf "$W/state"
	debugfs -R "rdump /state $W" "$W/test.raw" >"$W/debugfs" 2>&1
	b1=$W/state/boot1.log b2=$W/state/boot2.log
	touch "$W/state/boot1.log" "$W/state/boot2.log" 2>/dev/null
	# key FILE KEY: the value of the first KEY=... line of FILE.
	key() { sed -n "s/^$2=//p" "$1" | head -n 1; }

	e2e_check "${n}_first_boot" "no boot 1 on kernel $krel in the driver's log (boot=$(key "$b1" boot), release=$(key "$b1" release))" \
		[ "$(key "$b1" boot)" = 1 -a "$(key "$b1" release)" = "$krel" ]
	e2e_check "${n}_dpkg_install" "dpkg -i: $(key "$b1" dpkg-i-status) ($(tail -n 1 "$W/state/dpkg-i.out" 2>/dev/null))" \
		[ "$(key "$b1" dpkg-i-status)" = 0 ]
	missing=
	for f in /usr/bin/kreloc /usr/share/kreloc/shim.Image /lib/systemd/system/kreloc-load.service \
		/usr/share/man/man8/kreloc.8.gz; do
		grep -qxF "$f" "$W/state/dpkg-L.out" 2>/dev/null || missing+=" $f"
	done
	e2e_check "${n}_dpkg_list" "dpkg -L kreloc (status $(key "$b1" dpkg-L-status)) misses:$missing" \
		[ "$(key "$b1" dpkg-L-status)" = 0 -a -z "$missing" ]
	e2e_check "${n}_load_service" "systemctl start: $(key "$b1" load-service-status), is-active: $(key "$b1" load-service); $(grep -m1 'kreloc' "$W/state/load-journal.out" 2>/dev/null)" \
		eval '[ "$(key "$b1" load-service-status)" = 0 -a "$(key "$b1" load-service)" = active ] &&
			grep -q "^kreloc load: loaded " "$W/state/load-journal.out"'
	e2e_check "${n}_status_loaded" "kreloc status: $(head -n 3 "$W/state/status.out" 2>/dev/null | tr '\n' ' ')" \
		eval 'grep -qx "loaded:   yes, by kreloc" "$W/state/status.out" &&
			grep -q "^holder:   pid [0-9]*, alive, argv\[0\] @kreloc-hold$" "$W/state/status.out" &&
			grep -q "^pages:    .*all where kreloc load found them$" "$W/state/status.out" &&
			[ "$(key "$b1" kexec_loaded)" = 1 ]'
	# cgroup v2: "0::/"; v1 (Debian 11's default hybrid layout) lists every
	# hierarchy: each must be the root.
	holder=$(key "$b1" holder)
	e2e_check "${n}_holder" "holder: '$holder' (want a pid in the root cgroup)" \
		eval '[[ "$holder" =~ ^[0-9]+\ ([0-9]+:[^:]*:/\ )+$ ]]'
	e2e_check "${n}_kexec_started" "the driver did not reach systemctl kexec" \
		grep -qx kexec "$b1"
	# systemd-shutdown took the kexec path (/sbin/kexec -e, or on 252 without
	# kexec-tools reboot(RB_KEXEC)), not a firmware reboot or a power-off.
	e2e_check "${n}_shutdown_kexec" "no 'systemd-shutdown[1]: Rebooting with kexec.' on the console (kexec-tools: $(key "$b1" kexec-tools))" \
		grep -q 'systemd-shutdown\[1\]: Rebooting with kexec\.$' "$E2E_LOG"

	# The shim's report, between boot 1's kexec and boot 2's driver.
	kx=$(grep -n 'kreloc-guest: kexec$' "$E2E_LOG" | head -n 1 | cut -d: -f1)
	rp=$(grep -n '^kreloc-shim-report: {' "$E2E_LOG" | head -n 1 | cut -d: -f1)
	b2l=$(grep -n 'kreloc-guest: boot=2$' "$E2E_LOG" | head -n 1 | cut -d: -f1)
	why=$(python3 - "$E2E_LOG" "${kx:-0}" "${rp:-0}" "${b2l:-0}" "$EL" <<'PY'
import json, sys
log, kx, rp, b2, el = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if not rp:
    err = [l.strip() for l in open(log, errors="replace") if "kreloc-shim-error" in l]
    print("no kreloc-shim-report line" + (": " + err[0] if err else ""))
    sys.exit(1)
line = open(log, errors="replace").read().splitlines()[rp - 1]
r = json.loads(line.split(": ", 1)[1])
errors = []
if not kx or rp < kx:
    errors.append("the report is not after the driver's kexec line")
if b2 and rp > b2:
    errors.append("the report comes after boot 2's driver")
if r.get("entry_el") != el:
    errors.append("entry_el %r, want %d" % (r.get("entry_el"), el))
if r.get("verified") is not True:
    errors.append("verified %r" % r.get("verified"))
if r.get("bytes_copied_mmu_off") != 0:
    errors.append("bytes_copied_mmu_off %r" % r.get("bytes_copied_mmu_off"))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
	)
	e2e_check "${n}_shim_report" "$why" [ -z "$why" ]

	e2e_check "${n}_second_boot" "boot 2: boot=$(key "$b2" boot) release=$(key "$b2" release) (want $krel), cmdline '$(key "$b2" cmdline)' vs boot 1's '$(key "$b1" cmdline)'" \
		eval '[ "$(key "$b2" boot)" = 2 -a "$(key "$b2" release)" = "$krel" ] &&
			[ -n "$(key "$b1" cmdline)" ] && [ "$(key "$b2" cmdline)" = "$(key "$b1" cmdline)" ]'
	e2e_check "${n}_multi_user" "boot 2: multi-user.target '$(key "$b2" multi-user)', system '$(key "$b2" system-running)'" \
		[ "$(key "$b2" multi-user)" = active ]
	e2e_check "${n}_counters" "boot 2: /chosen/kreloc,relocate-counters '$(key "$b2" counters)'" \
		eval '[[ "$(key "$b2" counters)" =~ ^present\ bytes=[1-9][0-9]*$ ]]'
	# kreloc report: the seed's three phases, adding up to the counter's own
	# difference, from kreloc-stamp.service's two stamps and the mailbox.
	why=$(python3 - "$W/state/report-json.out" "$(key "$b2" report-json-status)" "$(key "$b2" stamp-service)" <<'PY'
import json, sys
path, status, service = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    text = open(path, errors="replace").read().strip()
except OSError:
    text = ""
if status != "0":
    print("kreloc report --json exit %s: %s" % (status or "?", text.splitlines()[-1] if text else "no output"))
    sys.exit(1)
r = json.loads(text)
t, errors = r["ticks"], []
if service != "active":
    errors.append("kreloc-stamp.service %r" % service)
if r.get("up_source") != "stamp":
    errors.append("user space up from %r, not the boot's stamp" % r.get("up_source"))
if not r["stamp"] < r["shim_entry"] < r["jump"] < r["up"]:
    errors.append("counters out of order: %(stamp)d %(shim_entry)d %(jump)d %(up)d" % r)
if t["shutdown"] + t["relocation"] + t["startup"] != t["total"] or t["total"] != r["up"] - r["stamp"]:
    errors.append("phases %s do not add up to up - stamp = %d" % (t, r["up"] - r["stamp"]))
if min(t["shutdown"], t["relocation"], t["startup"]) <= 0:
    errors.append("an empty phase: %s" % t)
if r.get("verified") is not True or r.get("bytes_copied_mmu_off") != 0:
    errors.append("verified %r, bytes_copied_mmu_off %r" % (r.get("verified"), r.get("bytes_copied_mmu_off")))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
	)
	e2e_check "${n}_report" "$why" [ -z "$why" ]
	e2e_check "${n}_poweroff" "qemu exit $E2E_RC, boot2.done $([ -e "$W/state/boot2.done" ] && echo present || echo absent)" \
		[ "$E2E_RC" = 0 -a -e "$W/state/boot2.done" ]
done
exit 0
