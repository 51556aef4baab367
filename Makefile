# kreloc - fast arm64 kernel hand-off.  `make demo`, `make check`; see README.md.
#
# Two builds of the same lib/ sources: the host one (cc, for tools and unit
# tests, with sanitizers) and the arm64 freestanding one (for the shim and
# embedders).  New files in lib/, tools/, tests/unit/, shim/ and arch/arm64/
# are picked up by wildcard; there is no list to edit.

CROSS	?= aarch64-linux-gnu-
HOSTCC	?= cc
TCC	:= $(CROSS)gcc
TOBJCOPY := $(CROSS)objcopy
B	:= build
CACHE	?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/kreloc
export CACHE

MODE	?= mmu
EL	?= 1
GRANULE	?= 4k
export MODE EL GRANULE

VERSION	:= $(shell cat VERSION)

COMMON_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Iinclude -I$(B)/gen -DKRELOC_VERSION='"$(VERSION)"'
HOST_CFLAGS := $(COMMON_CFLAGS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -D_DEFAULT_SOURCE
HOST_LDLIBS := -lfdt
# The shim runs with the MMU off until it has built its own tables, where
# every data access is Device memory and must be naturally aligned: hence
# -mstrict-align.  -mgeneral-regs-only keeps FP/SIMD state out of our code.
# Hermetic: -nostdinc keeps every C library's headers out of reach (the
# host's /usr/include, any aarch64 libc); only the compiler's own
# freestanding headers (stdint.h, stddef.h, stdbool.h, stdarg.h), the
# project's, and libfdt.h / fdt.h from the arm64 package are seen.
# include/freestanding comes first so that its libfdt_env.h stands in for
# the package's, which includes <stdlib.h> and <string.h>.  Expanded when
# used, not when read: on a fresh machine the cross compiler arrives with
# scripts/setup, after the Makefile was read.
TARGET_CC_INCLUDE = $(shell $(TCC) -print-file-name=include 2>/dev/null)
TARGET_INCLUDES = -nostdinc -Iinclude/freestanding -Iarch/arm64/include \
	-isystem $(TARGET_CC_INCLUDE) -isystem $(CACHE)/arm64/usr/include
TARGET_CFLAGS = $(COMMON_CFLAGS) -O2 -g -ffreestanding -nostdlib \
	-mgeneral-regs-only -mstrict-align -fpie -fno-stack-protector \
	-fno-common -ffunction-sections -fdata-sections $(TARGET_INCLUDES)
TARGET_ASFLAGS := -nostdinc -Iinclude -Iarch/arm64/include -g

TARGET_LIBFDT := $(CACHE)/arm64/usr/lib/aarch64-linux-gnu/libfdt.a
SETUP_STAMP := $(CACHE)/setup.stamp

LIB_SRCS	:= $(wildcard lib/*.c)
TOOLS_MAIN	:= tools/kreloc.c
TOOLS_SRCS	:= $(filter-out $(TOOLS_MAIN),$(wildcard tools/*.c))
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
# kexec_stub.S is neither library nor shim: its bytes go into the CLI.
KEXEC_STUB_SRC	:= arch/arm64/kexec_stub.S
ARCH_SRCS	:= $(filter-out $(KEXEC_STUB_SRC),$(wildcard arch/arm64/*.c arch/arm64/*.S))
SHIM_SRCS	:= $(filter-out %.lds.S,$(wildcard shim/*.c shim/*.S))
SHIM_LDS	:= $(B)/arm64/shim.lds

HOST_LIB	:= $(B)/host/libkreloc.a
HOST_TOOLS_LIB	:= $(B)/host/libkreloc-tools.a
TARGET_LIB	:= $(B)/arm64/libkreloc.a
CLI		:= $(B)/host/kreloc
UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(B)/host/tests/%,$(UNIT_SRCS))
SHIM_ELF	:= $(B)/arm64/shim.elf
SHIM_IMAGE	:= $(B)/shim.Image

HOST_LIB_OBJS	:= $(patsubst %.c,$(B)/host/%.o,$(LIB_SRCS))
HOST_TOOLS_OBJS	:= $(patsubst %.c,$(B)/host/%.o,$(TOOLS_SRCS))
# The arm64 library: the portable core plus the arch code an embedder needs
# (trampolines, cache maintenance, the jump into the control page).
TARGET_LIB_OBJS	:= $(patsubst %.c,$(B)/arm64/%.o,$(LIB_SRCS)) \
	$(patsubst %,$(B)/arm64/%.o,$(basename $(ARCH_SRCS)))
SHIM_OBJS	:= $(patsubst %,$(B)/arm64/%.o,$(basename $(SHIM_SRCS)))

.PHONY: all host target arm64-linux setup demo check unit clean print-target-flags
all: host target arm64-linux
host: $(HOST_LIB) $(CLI) $(UNIT_TESTS)
target: $(SHIM_IMAGE) $(TARGET_LIB)

setup: $(SETUP_STAMP)
$(SETUP_STAMP): scripts/setup
	scripts/setup

# ---- host ---------------------------------------------------------------
$(B)/host/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(HOST_LIB): $(HOST_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_TOOLS_LIB): $(HOST_TOOLS_OBJS)
	@rm -f $@
	ar rcs $@ $^ $(if $^,,)

$(CLI): $(B)/host/tools/kreloc.o $(HOST_TOOLS_LIB) $(HOST_LIB)
	$(HOSTCC) $(HOST_CFLAGS) $^ $(HOST_LDLIBS) -o $@

$(B)/host/tests/%: tests/unit/%.c $(HOST_TOOLS_LIB) $(HOST_LIB) | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Itools -MMD -MP $< $(HOST_TOOLS_LIB) $(HOST_LIB) \
		$(HOST_LDLIBS) -lcmocka -o $@

# ---- the kexec stub (tools/live.c) ------------------------------------------
# The page `kreloc load` enters through (arch/arm64/kexec_stub.S), assembled
# by the cross compiler and turned into a header of its bytes and its two
# literals' offsets, read from the symbol table.  Never copied by hand.
KEXEC_STUB_OBJ	:= $(B)/arm64/arch/arm64/kexec_stub.o
KEXEC_STUB_BIN	:= $(B)/gen/kexec_stub.bin
KEXEC_STUB_H	:= $(B)/gen/kexec_stub.h

$(KEXEC_STUB_H): $(KEXEC_STUB_OBJ)
	@mkdir -p $(dir $@)
	@if $(CROSS)readelf -rW $< | grep '^Relocation section' | grep -qv "'\.rela\.debug"; then \
		echo "$<: the stub must need no relocation" >&2; exit 1; fi
	$(TOBJCOPY) -O binary -j .text $< $(KEXEC_STUB_BIN)
	echo '/* Generated by the Makefile from $(KEXEC_STUB_SRC): do not edit. */' > $@.tmp
	$(CROSS)nm $< | awk '$$3 == "kexec_stub_tree" { t = $$1 } $$3 == "kexec_stub_shim" { s = $$1 } \
		END { if (t == "" || s == "") exit 1; \
		printf "#define KRELOC_KEXEC_STUB_TREE_OFF 0x%s\n#define KRELOC_KEXEC_STUB_SHIM_OFF 0x%s\n", t, s }' >> $@.tmp
	echo 'static const unsigned char kreloc_kexec_stub_bytes[] = {' >> $@.tmp
	od -An -v -tx1 $(KEXEC_STUB_BIN) | awk '{ for (i = 1; i <= NF; i++) printf "0x%s,", $$i; print "" }' >> $@.tmp
	echo '};' >> $@.tmp
	mv $@.tmp $@

$(B)/host/tools/live.o: $(KEXEC_STUB_H)

# ---- arm64 Linux CLI --------------------------------------------------------
# The same tools/ and lib/ sources built for a running arm64 Linux (kreloc
# load / exec / unload / status): hosted (glibc from libc6-dev-arm64-cross),
# statically linked so that it runs in a busybox initramfs without /etc or
# a loader, no sanitizers, the arm64 libfdt.a, and the ARMv8 SHA-256 block
# function (os_linux.c picks it when AT_HWCAP has HWCAP_SHA2).  The shim's
# default path is where `make install` / `make install-arm64` put it.
LCLI_DIR	:= $(B)/arm64-linux
LCLI		:= $(LCLI_DIR)/kreloc
LCLI_CFLAGS	= $(COMMON_CFLAGS) -O2 -g -D_DEFAULT_SOURCE -isystem $(CACHE)/arm64/usr/include \
	-DKRELOC_SHIM_PATH='"$(datadir)/kreloc/shim.Image"'
LCLI_OBJS	:= $(patsubst %.c,$(LCLI_DIR)/%.o,$(LIB_SRCS) $(TOOLS_SRCS) $(TOOLS_MAIN)) \
	$(LCLI_DIR)/arch/arm64/sha256_ce.o

arm64-linux: $(LCLI)

$(LCLI_DIR)/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(TCC) $(LCLI_CFLAGS) -MMD -MP -c $< -o $@

$(LCLI_DIR)/%.o: %.S | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(TCC) $(TARGET_ASFLAGS) -MMD -MP -c $< -o $@

$(LCLI_DIR)/tools/live.o: $(KEXEC_STUB_H)

# The compiled-in shim path follows PREFIX / datadir: rebuild when it changes.
$(LCLI_DIR)/shim-path: FORCE
	@mkdir -p $(dir $@)
	@echo '$(datadir)/kreloc/shim.Image' | cmp -s - $@ 2>/dev/null || \
		echo '$(datadir)/kreloc/shim.Image' >$@
$(LCLI_DIR)/tools/cmd_live.o: $(LCLI_DIR)/shim-path
.PHONY: FORCE
FORCE:

$(LCLI): $(LCLI_OBJS)
	$(TCC) -static $(LCLI_CFLAGS) $^ $(TARGET_LIBFDT) -o $@

# ---- arm64 freestanding -----------------------------------------------------
# -MD, not -MMD: the dependency files name system headers too, so
# tests/e2e/hermetic.sh can prove which directories the build read.
$(B)/arm64/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(TCC) $(TARGET_CFLAGS) -MD -MP -c $< -o $@

$(B)/arm64/%.o: %.S | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(TCC) $(TARGET_ASFLAGS) -MD -MP -c $< -o $@

$(TARGET_LIB): $(TARGET_LIB_OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

$(SHIM_LDS): shim/shim.lds.S
	@mkdir -p $(dir $@)
	$(TCC) -E -P -x c $(TARGET_ASFLAGS) $< -o $@

$(SHIM_ELF): $(SHIM_OBJS) $(TARGET_LIB) $(SHIM_LDS)
	$(TCC) -nostdlib -static-pie -Wl,--no-dynamic-linker -Wl,-z,norelro -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
		-Wl,--gc-sections -Wl,-T,$(SHIM_LDS) -Wl,-Map,$@.map \
		$(SHIM_OBJS) $(TARGET_LIB) $(TARGET_LIBFDT) -lgcc -o $@

# head.S applies only R_AARCH64_RELATIVE relocations: refuse any other kind.
$(SHIM_IMAGE): $(SHIM_ELF)
	@if $(CROSS)readelf -rW $< | awk '/^ *[0-9a-f]+ +[0-9a-f]+ +R_/ && $$3 != "R_AARCH64_RELATIVE" {bad=1} END {exit !bad}'; then \
		echo "shim.elf has relocations head.S cannot apply" >&2; exit 1; fi
	$(TOBJCOPY) -O binary $< $@.tmp
	CROSS=$(CROSS) scripts/set-image-size $< $@.tmp
	mv $@.tmp $@

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- what people run ------------------------------------------------------
demo: host target
	scripts/demo

check: host target arm64-linux
	tests/run

clean:
	rm -rf $(B)

# The arm64 compiler and its flags, for tests/e2e/hermetic.sh.
print-target-flags:
	@echo '$(TCC) $(TARGET_CFLAGS)'

# Further targets (bench, fuzz, install, ...) live in one fragment each.
include $(wildcard mk/*.mk)
