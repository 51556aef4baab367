/* SPDX-License-Identifier: MIT */
/*
 * os.h - the operating-system seam of the kreloc CLI: everything `kreloc
 * load / exec / unload / status / plan --live` needs from the running
 * kernel, behind one interface.  tools/os_linux.c implements it for Linux
 * (system calls, /proc, /sys); no other file of the CLI makes a
 * Linux-specific call or has an #if on the operating system.
 *
 * System files (/proc/sys/..., /proc/meminfo, /proc/cmdline, /sys/...,
 * /run/kreloc) are read relative to a root: "/" unless the environment
 * variable KRELOC_SYSROOT names another directory, so the tests fake
 * kexec_load_disabled, lockdown, meminfo, /sys/firmware/fdt and the
 * machine.  Files about one real process (/proc/PID/pagemap,
 * /proc/PID/cmdline) always come from the real /proc: a fake root has no
 * process.
 *
 * Functions return 0 (or a count) on success and -errno on failure unless
 * said otherwise; none prints anything.
 */
#ifndef KRELOC_TOOLS_OS_H
#define KRELOC_TOOLS_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kreloc/sha256.h>

#include "live.h"

#define OS_PAGE_SIZE		4096u	/* the bundle's page (bundle.h), not the system's */
#define OS_HOLDER_ARGV0		"@kreloc-hold"	/* '@': systemd's killing spree leaves it */
#define OS_HOLDER_CMD		"__holder"	/* hidden subcommand the holder runs */

/** os_root() - the system root ("/" or $KRELOC_SYSROOT), without a trailing '/'. "" for "/". */
const char *os_root(void);

/** os_path() - @abs (starting with '/') below the root into @buf. 0 or -ENAMETOOLONG. */
int os_path(char *buf, size_t cap, const char *abs);

/**
 * os_machine() - the machine name uname(2) reports ("aarch64", "x86_64").
 * Under a fake root, its /proc/sys/kernel/arch when present (the tests).
 */
int os_machine(char *buf, size_t cap);

/** os_caps() - effective CAP_SYS_BOOT and CAP_SYS_ADMIN of this process (capget). */
int os_caps(bool *sys_boot, bool *sys_admin);

/** os_kexec_disabled() - /proc/sys/kernel/kexec_load_disabled: 1, 0, or -errno. */
int os_kexec_disabled(void);

/**
 * os_lockdown() - the active mode of /sys/kernel/security/lockdown (the
 * word in brackets: "none", "integrity", "confidentiality") into @mode;
 * "none" when the file is absent (no lockdown LSM).
 */
int os_lockdown(char *mode, size_t cap);

/** os_mem_available() - MemAvailable of /proc/meminfo, in bytes. */
int os_mem_available(uint64_t *bytes);

/** os_read_fdt() - /sys/firmware/fdt into malloc()ed memory. -ENOENT when absent. */
int os_read_fdt(uint8_t **buf, size_t *len);

/** os_read_cmdline() - /proc/cmdline without its newline, NUL-terminated. */
int os_read_cmdline(char *buf, size_t cap);

/** os_kexec_loaded() - /sys/kernel/kexec_loaded: 1, 0, or -errno. */
int os_kexec_loaded(void);

/**
 * os_compact_unevictable() - read /proc/sys/vm/compact_unevictable_allowed
 * into *@old (may be NULL), then write @set unless it is negative.
 */
int os_compact_unevictable(int set, int *old);

/** os_state_dir() - the state directory (root + /run/kreloc), created 0700 when @create. */
int os_state_dir(char *buf, size_t cap, bool create);

/** os_sha256_blocks() - the fastest SHA-256 block function this CPU runs; @name says which. */
kreloc_sha256_blocks_fn os_sha256_blocks(const char **name);

/**
 * os_copy_file() - copy the first @size bytes of @fd into @dst, hashing them
 * into @sha unless @fn is NULL (then @sha is not written).  With @chunks
 * (and @fn), each KRELOC_CHUNK_SIZE_DEFAULT chunk is hashed into @chunks
 * instead (32 bytes a chunk, bundle.h "Chunk tables") and @sha is their
 * root, the SHA-256 of that table.  A regular file
 * is mapped and copied; anything that can't be mapped is read().
 * Return: 0; -EIO when the file holds fewer than @size bytes (it shrank
 * since fstat: a SIGBUS on the mapping, caught here, or an early end of
 * file); -errno of read().
 */
int os_copy_file(int fd, uint8_t *dst, uint64_t size, kreloc_sha256_blocks_fn fn, uint8_t sha[32],
		 uint8_t *chunks);

/* Bytes pinned per io_uring ring by the holder (os_pin_longterm()). */
#define OS_PIN_RING_BYTES	(64ULL << 20)

/**
 * os_pin_longterm() - pin @len bytes at @base long-term (FOLL_LONGTERM: never
 * migrated), as io_uring fixed buffers, one ring per @ring_bytes.  The
 * rings stay open for the life of the process: closing one unpins.  On
 * any failure every ring is closed again.  @pin says what was done, for
 * the user: "mlock + io_uring long-term pin (N rings)" or "mlock only (why)".
 * Return: 0, or -errno of the step that failed.
 */
int os_pin_longterm(uint8_t *base, uint64_t len, uint64_t ring_bytes, char *pin, size_t pinsz);

/**
 * struct os_stage - a payload read into pinned (or, for plan --live, plain)
 * anonymous memory: the Image at @addr, the initrd at the next 4 KiB page.
 * @addr, @map_len:  the mapping, 2 MiB aligned, in the holder's (or this
 *                   process's) address space
 * @image_size, @initrd_size, @image_sha, @initrd_sha: what was read (with
 *                   chunk tables, the digests are their roots)
 * @image_chunks, @initrd_chunks: the chunk tables (malloc(); the caller
 *                   frees them), or NULL when none were asked for; valid
 *                   in the process that staged, or (os_holder_start())
 *                   received
 * @pin:             how the pages are kept in place, for the user
 * @hash:            which SHA-256 code hashed them
 */
struct os_stage {
	uint64_t addr;
	uint64_t map_len;
	uint64_t image_size;
	uint64_t initrd_size;
	uint8_t image_sha[32];
	uint8_t initrd_sha[32];
	char pin[96];
	char hash[32];
	uint8_t *image_chunks;
	uint8_t *initrd_chunks;
};

/** os_stage_pages() - 4 KiB pages of the Image (@image) and of the initrd (@initrd). */
uint64_t os_stage_pages(uint64_t size);

/**
 * os_holder_start() - start the holder process that owns the payload's
 * memory and outlives this one: fork, setsid, exec of this program as
 * OS_HOLDER_ARGV0, which maps, reads, hashes, locks and pins the payload
 * and reports back.  @initrd may be NULL.  @hash false (`load --no-verify`):
 * no digests are computed, @st's stay zero.  @chunks (with @hash): chunk
 * tables too, for verification on several CPUs, sent back after the report.
 * Return: the holder's pid (> 0), or -errno with @why set (one line).
 */
long os_holder_start(const char *image, const char *initrd, bool hash, bool chunks,
		     struct os_stage *st, char *why, size_t whysz);

/** os_holder_main() - the holder itself (main() runs it for OS_HOLDER_CMD). Never returns on success. */
int os_holder_main(int argc, char **argv);

/**
 * os_stage_local() - the same staging into this process's memory, without
 * locking or pinning (plan --live).  Return: 0, or -errno with @why set.
 */
int os_stage_local(const char *image, const char *initrd, bool chunks, struct os_stage *st,
		   char *why, size_t whysz);

/** os_holder_alive() - 1 when @pid lives and its argv[0] is OS_HOLDER_ARGV0, else 0. */
int os_holder_alive(long pid);

/** os_holder_stop() - SIGKILL the holder @pid (after checking it is one). 0 or -errno. */
int os_holder_stop(long pid);

/**
 * os_pagemap() - physical address of each 4 KiB page of @nr pages at @addr
 * in process @pid (0 = this one), from /proc/PID/pagemap.
 * Return: 0; -EPERM when the kernel hides the frame numbers (no
 * CAP_SYS_ADMIN: they read 0); -ENXIO when a page is not present (*@bad =
 * its index); other -errno.
 */
int os_pagemap(long pid, uint64_t addr, uint64_t nr, uint64_t *pa, uint64_t *bad);

/**
 * os_kexec_load() - kexec_load(2) of @nr segments with entry @entry
 * (KEXEC_ARCH_DEFAULT); @nr = 0 unloads.  -EPERM under a fake root,
 * -ENOEXEC on a machine that is not really aarch64: never reaches the
 * kernel then (os_kexec_reboot() likewise).
 */
int os_kexec_load(uint64_t entry, const struct kreloc_live_segment *seg, unsigned int nr);

/** os_kexec_reboot() - sync(), then reboot into the loaded kernel. Returns only on failure. */
int os_kexec_reboot(void);

/* ---- kreloc stamp / report (phases.h) ---- */

/**
 * os_counter() - CNTVCT_EL0 and CNTFRQ_EL0, read in user space (Linux lets
 * EL0 read the virtual counter: the vDSO does).  -ENOTSUP on a machine that
 * is not arm64.
 */
int os_counter(uint64_t *cntvct, uint64_t *cntfrq);

/** os_boot_id() - /proc/sys/kernel/random/boot_id, without its newline. */
int os_boot_id(char *buf, size_t cap);

/**
 * os_read_chosen() - the bytes of property @prop of /chosen, from
 * /sys/firmware/devicetree/base/chosen/@prop.  Return: its length (at most
 * @cap bytes are read: a longer property reads as @cap + 1), or -errno
 * (-ENOENT: no such property).
 */
int os_read_chosen(const char *prop, uint8_t *buf, size_t cap);

#endif /* KRELOC_TOOLS_OS_H */
