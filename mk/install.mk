# install.mk - `make install` / `make uninstall` / `make demo-plan`,
# included by the Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [LIBFDT_AARCH64=...]
#   make install-arm64 [PREFIX=/usr/local] [DESTDIR=] [systemdunitdir=]
#
# PREFIX may also be given as prefix (the GNU name): make install prefix=/usr.
#
# Installs, under $(DESTDIR)$(PREFIX):
#   bin/kreloc                         the CLI (release build, no sanitizers)
#   include/kreloc/*.h                 the public API
#   include/kreloc/arch/arm64/asm/*.h  the arm64 install/entry/enter API
#                                      (reloc.h) and what it includes
#   lib/libkreloc.a                    host library (release build, -fPIC)
#   lib/kreloc/aarch64/libkreloc.a     freestanding aarch64 library: lib/ +
#                                      arch/arm64 (trampolines, cache ops)
#   lib/pkgconfig/kreloc.pc            host: Cflags -I, Libs -lkreloc -lfdt
#   lib/pkgconfig/kreloc-aarch64.pc    aarch64: Cflags -I (both include
#                                      dirs), Libs the library and the
#                                      aarch64 libfdt.a it needs
#   lib/kreloc/aarch64/kreloc          the CLI for arm64 Linux (static; copy
#                                      it to the machine: kreloc load/exec)
#   share/kreloc/shim.Image            the reference shim
#   share/man/man1/kreloc.1            the man page (every command)
#   share/man/man8/kreloc.8            the man page of load / exec / unload /
#                                      status and the systemd procedure
#
# install-arm64 installs what an arm64 Linux machine needs to kexec through
# the shim, as that machine's own files (DESTDIR = its root, or a package
# or initramfs staging directory): bin/kreloc (the static arm64 CLI, which
# looks for the shim at $(PREFIX)/share/kreloc/shim.Image), the shim, both
# man pages and the systemd units kreloc-load.service and kreloc-stamp.service
# in $(systemdunitdir)
# (default $(PREFIX)/lib/systemd/system; `make deb` puts it in
# /lib/systemd/system, where Debian 11 and 12 packages ship units).
#
# libfdt: the host library needs -lfdt (Debian: libfdt-dev; Debian ships no
# libfdt.pc, so kreloc.pc names -lfdt itself).  The aarch64 library needs
# an aarch64 libfdt.a built without libc dependencies beyond the string
# functions (Debian's libfdt-dev:arm64, which scripts/setup unpacks into
# $(CACHE)); kreloc-aarch64.pc records its path as the variable libfdt.

PREFIX		?= $(if $(prefix),$(prefix),/usr/local)
DESTDIR		?=
bindir		?= $(PREFIX)/bin
libdir		?= $(PREFIX)/lib
includedir	?= $(PREFIX)/include
datadir		?= $(PREFIX)/share
mandir		?= $(datadir)/man
systemdunitdir	?= $(PREFIX)/lib/systemd/system
pkgconfigdir	?= $(libdir)/pkgconfig
LIBFDT_AARCH64	?= $(TARGET_LIBFDT)

# ---- host release build: same sources, no sanitizers ------------------------
REL		:= $(B)/release
REL_CFLAGS	:= $(COMMON_CFLAGS) -O2 -g -fPIC -D_DEFAULT_SOURCE
REL_LIB		:= $(REL)/libkreloc.a
REL_CLI		:= $(REL)/kreloc
REL_LIB_OBJS	:= $(patsubst %.c,$(REL)/%.o,$(LIB_SRCS))
REL_TOOLS_OBJS	:= $(patsubst %.c,$(REL)/%.o,$(TOOLS_SRCS))

$(REL)/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(REL_CFLAGS) -MMD -MP -c $< -o $@

$(REL)/tools/live.o: $(KEXEC_STUB_H)

$(REL_LIB): $(REL_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(REL_CLI): $(REL)/tools/kreloc.o $(REL_TOOLS_OBJS) $(REL_LIB)
	$(HOSTCC) $(REL_CFLAGS) $^ $(HOST_LDLIBS) -o $@

.PHONY: release install uninstall install-arm64 uninstall-arm64
release: $(REL_LIB) $(REL_CLI)

INSTALL_HEADERS	:= $(wildcard include/kreloc/*.h)
INSTALL_ASM	:= $(wildcard arch/arm64/include/asm/*.h)

install: $(REL_LIB) $(REL_CLI) $(TARGET_LIB) $(SHIM_IMAGE) $(LCLI) man/kreloc.1 man/kreloc.8
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(includedir)/kreloc \
		$(DESTDIR)$(includedir)/kreloc/arch/arm64/asm $(DESTDIR)$(libdir)/kreloc/aarch64 \
		$(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(datadir)/kreloc $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man8
	install -m 755 $(REL_CLI) $(DESTDIR)$(bindir)/kreloc
	install -m 644 $(INSTALL_HEADERS) $(DESTDIR)$(includedir)/kreloc/
	install -m 644 $(INSTALL_ASM) $(DESTDIR)$(includedir)/kreloc/arch/arm64/asm/
	install -m 644 $(REL_LIB) $(DESTDIR)$(libdir)/libkreloc.a
	install -m 644 $(TARGET_LIB) $(DESTDIR)$(libdir)/kreloc/aarch64/libkreloc.a
	install -m 755 $(LCLI) $(DESTDIR)$(libdir)/kreloc/aarch64/kreloc
	install -m 644 $(SHIM_IMAGE) $(DESTDIR)$(datadir)/kreloc/shim.Image
	install -m 644 man/kreloc.1 $(DESTDIR)$(mandir)/man1/kreloc.1
	install -m 644 man/kreloc.8 $(DESTDIR)$(mandir)/man8/kreloc.8
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(libdir)' 'includedir=$(includedir)' '' \
		'Name: kreloc' \
		'Description: fast arm64 kernel hand-off library, host build (needs libfdt: libfdt-dev)' \
		'Version: $(VERSION)' \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lkreloc -lfdt' >$(DESTDIR)$(pkgconfigdir)/kreloc.pc
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(libdir)/kreloc/aarch64' \
		'includedir=$(includedir)' 'archincludedir=$(includedir)/kreloc/arch/arm64' \
		'# aarch64 libfdt.a (Debian: libfdt-dev:arm64); the embedder also links memcpy,' \
		'# memmove, memset, memcmp and the string functions libfdt calls' \
		'libfdt=$(LIBFDT_AARCH64)' '' \
		'Name: kreloc-aarch64' \
		'Description: fast arm64 kernel hand-off library, freestanding aarch64 (no libc)' \
		'Version: $(VERSION)' \
		'Cflags: -I$${includedir} -I$${archincludedir}' \
		'Libs: -L$${libdir} -lkreloc $${libfdt}' >$(DESTDIR)$(pkgconfigdir)/kreloc-aarch64.pc

SYSTEMD_UNITS	:= kreloc-load.service kreloc-stamp.service

install-arm64: $(LCLI) $(SHIM_IMAGE) man/kreloc.1 man/kreloc.8 $(addprefix dist/systemd/,$(SYSTEMD_UNITS))
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(datadir)/kreloc $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man8 $(DESTDIR)$(systemdunitdir)
	install -m 755 $(LCLI) $(DESTDIR)$(bindir)/kreloc
	install -m 644 $(SHIM_IMAGE) $(DESTDIR)$(datadir)/kreloc/shim.Image
	install -m 644 man/kreloc.1 $(DESTDIR)$(mandir)/man1/kreloc.1
	install -m 644 man/kreloc.8 $(DESTDIR)$(mandir)/man8/kreloc.8
	for u in $(SYSTEMD_UNITS); do \
		sed 's|@bindir@|$(bindir)|g' dist/systemd/$$u >$(DESTDIR)$(systemdunitdir)/$$u && \
		chmod 644 $(DESTDIR)$(systemdunitdir)/$$u || exit 1; \
	done

uninstall-arm64:
	rm -f $(DESTDIR)$(bindir)/kreloc $(DESTDIR)$(datadir)/kreloc/shim.Image \
		$(DESTDIR)$(mandir)/man1/kreloc.1 $(DESTDIR)$(mandir)/man8/kreloc.8 \
		$(addprefix $(DESTDIR)$(systemdunitdir)/,$(SYSTEMD_UNITS))
	-rmdir $(DESTDIR)$(datadir)/kreloc 2>/dev/null

uninstall:
	rm -f $(DESTDIR)$(bindir)/kreloc $(DESTDIR)$(libdir)/libkreloc.a \
		$(DESTDIR)$(libdir)/kreloc/aarch64/libkreloc.a $(DESTDIR)$(libdir)/kreloc/aarch64/kreloc \
		$(DESTDIR)$(pkgconfigdir)/kreloc.pc $(DESTDIR)$(pkgconfigdir)/kreloc-aarch64.pc \
		$(DESTDIR)$(datadir)/kreloc/shim.Image $(DESTDIR)$(mandir)/man1/kreloc.1 \
		$(DESTDIR)$(mandir)/man8/kreloc.8 \
		$(addprefix $(DESTDIR)$(includedir)/kreloc/,$(notdir $(INSTALL_HEADERS))) \
		$(addprefix $(DESTDIR)$(includedir)/kreloc/arch/arm64/asm/,$(notdir $(INSTALL_ASM)))
	-rmdir $(DESTDIR)$(includedir)/kreloc/arch/arm64/asm $(DESTDIR)$(includedir)/kreloc/arch/arm64 \
		$(DESTDIR)$(includedir)/kreloc/arch $(DESTDIR)$(includedir)/kreloc \
		$(DESTDIR)$(libdir)/kreloc/aarch64 $(DESTDIR)$(libdir)/kreloc \
		$(DESTDIR)$(datadir)/kreloc 2>/dev/null

# ---- docs/demo-plan.svg -----------------------------------------------------
# The map of the demo's real plan: build/demo.bundle (written by `make demo`)
# on the device tree QEMU's virt board gives a 1 GiB guest (GICv3 with an
# ITS, as scripts/qemu-run starts it), proved and drawn
# on the host by `kreloc verify` and `kreloc map`.
DEMO_DTB	:= $(B)/virt-1g.dtb

.PHONY: demo-plan
demo-plan: $(CLI)
	@[ -s $(B)/demo.bundle ] || { echo "demo-plan: run make demo first ($(B)/demo.bundle)" >&2; exit 1; }
	qemu-system-aarch64 -M virt,gic-version=3,its=on -cpu max -m 1G -nic none \
		-machine dumpdtb=$(DEMO_DTB) >/dev/null
	$(CLI) verify $(B)/demo.bundle --dtb $(DEMO_DTB)
	$(CLI) map $(B)/demo.bundle --dtb $(DEMO_DTB) --svg docs/demo-plan.svg
