#!/bin/sh
# SPDX-License-Identifier: MIT
# guest-driver.sh DIR - the guest half of tests/system/guest.sh, run as
# root by the image's kreloc-guest-test.service (scripts/mkguest) once the
# system is up, from the test disk (label kreloc-test) mounted at DIR.
# Written for Debian 11's and 12's /bin/sh; no procps needed.
#
# Boot 1 (no DIR/state/boot1.done): dpkg -i DIR/kreloc.deb, dpkg -L kreloc,
#   /etc/default/kreloc for this system's own /boot/vmlinuz-$(uname -r) and
#   /boot/initrd.img-$(uname -r) with --reuse-cmdline, systemctl start
#   kreloc-load.service, kreloc status, the holder's argv[0] and cgroup,
#   then DIR/state/boot1.done and systemctl kexec.
# Boot 2 (boot1.done, no boot2.done): the system state, the trampoline's
#   mailbox /chosen/kreloc,relocate-counters, kreloc status, the previous
#   boot's journal; then DIR/state/boot2.done and systemctl poweroff.
# Later boots only power off.
#
# Every fact goes to DIR/state/bootN.log as "key=value" lines (the host
# reads the disk after QEMU exits) and to the console as "kreloc-guest:
# key=value"; each command's output goes to DIR/state/NAME.out.
D=${1:?usage: guest-driver.sh DIR}
S=$D/state
mkdir -p "$S"
if [ ! -e "$S/boot1.done" ]; then
	boot=1
elif [ ! -e "$S/boot2.done" ]; then
	boot=2
else
	echo "kreloc-guest: boot after the test; powering off"
	systemctl poweroff
	exit 0
fi
L=$S/boot$boot.log

say() {
	echo "kreloc-guest: $*"
	echo "$*" >>"$L"
}
# run NAME CMD...: CMD's output to $S/NAME.out (and the console), its exit
# status as NAME-status=N.
run() {
	name=$1
	shift
	"$@" >"$S/$name.out" 2>&1
	rc=$?
	sed "s/^/kreloc-guest: $name| /" "$S/$name.out"
	say "$name-status=$rc"
}
# holder: "PID CGROUP" of the process whose argv[0] is @kreloc-hold.
holder() {
	for p in /proc/[0-9]*; do
		a=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null | head -n 1)
		if [ "$a" = @kreloc-hold ]; then
			echo "${p#/proc/} $(tr '\n' ' ' <"$p/cgroup")"
			return 0
		fi
	done
	echo none
}

say "boot=$boot"
say "release=$(uname -r)"
say "cmdline=$(cat /proc/cmdline)"
say "systemd=$(systemctl --version | head -n 1)"
say "multi-user=$(systemctl is-active multi-user.target)"

if [ "$boot" = 1 ]; then
	run dpkg-i dpkg -i "$D/kreloc.deb"
	run dpkg-L dpkg -L kreloc
	v=$(uname -r)
	echo "KRELOC_LOAD_ARGS=\"/boot/vmlinuz-$v --initrd /boot/initrd.img-$v --reuse-cmdline\"" \
		>/etc/default/kreloc
	say "default=$(cat /etc/default/kreloc)"
	run load-service systemctl start kreloc-load.service
	say "load-service=$(systemctl is-active kreloc-load.service)"
	run load-journal journalctl -b --no-pager -o cat -u kreloc-load.service
	run status kreloc status
	say "kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
	say "holder=$(holder)"
	say "kexec-tools=$(if [ -x /sbin/kexec ]; then echo yes; else echo no; fi)"
	: >"$S/boot1.done"
	sync
	say "kexec"
	systemctl kexec
	say "systemctl-kexec-status=$?"
	exit 0
fi

f=/sys/firmware/devicetree/base/chosen/kreloc,relocate-counters
if [ -e "$f" ]; then
	say "counters=present bytes=$(wc -c <"$f")"
	od -An -tx1 "$f" >"$S/counters.out"
else
	say "counters=absent"
fi
say "system-running=$(systemctl is-system-running --wait)"
run failed systemctl --failed --no-legend --no-pager
run status kreloc status
# The previous boot's journal (persistent: mkguest makes /var/log/journal):
# its end is the shutdown that handed over to the shim.
journalctl -b -1 --no-pager -o short-monotonic >"$S/boot1.journal" 2>&1
say "boot1-journal-lines=$(wc -l <"$S/boot1.journal")"
: >"$S/boot2.done"
sync
say "poweroff"
systemctl poweroff
exit 0
