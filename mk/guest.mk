# make guest-check: the system test bed (tests/system/guest.sh): a Debian 12
# and a Debian 11 arm64 system under QEMU, systemd as PID 1, install the
# .deb and `systemctl kexec` through the shim.  Slow, so not part of
# `make check`; the images are built once (scripts/mkguest) and cached in
# ~/.cache/kreloc/guest/.  GUEST_RELEASES="12" runs one release, GUEST_EL=2
# boots at EL2.
.PHONY: guest-check guest-images
GUEST_RELEASES ?= 12 11
GUEST_EL ?= 1
guest-check: host target arm64-linux
	KRELOC_GUEST_RELEASES="$(GUEST_RELEASES)" KRELOC_GUEST_EL=$(GUEST_EL) KRELOC_E2E_DIR=tests/system \
		KRELOC_UNIT_DIR=$(B)/no-unit-tests tests/run
guest-images:
	for r in $(GUEST_RELEASES); do scripts/mkguest $$r || exit 1; done
