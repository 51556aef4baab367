// SPDX-License-Identifier: MIT
/*
 * os_linux.c - the Linux side of the kreloc CLI (os.h): system calls,
 * /proc and /sys.  The only file of the CLI with Linux-specific calls; the
 * host build (x86_64) compiles it too, and the subcommands refuse there.
 *
 * Keeping the payload's pages where pagemap said they were, from `kreloc
 * load` to the reboot (the shim reads them in place, by physical address):
 *
 *  - mlock(): the pages stay resident (no swap, no reclaim).  It does not
 *    stop migration: compaction moves mlocked pages unless
 *    /proc/sys/vm/compact_unevictable_allowed is 0, so `kreloc load` sets
 *    it to 0 (and `kreloc unload` restores the value it found).
 *  - A long-term pin: registering the region as io_uring fixed buffers
 *    (IORING_REGISTER_BUFFERS, one ring per 64 MiB) pins every page with
 *    FOLL_LONGTERM, on 5.10 and 6.1 alike, with no library: a pinned page is
 *    never migrated (compaction, NUMA balancing, memory hot-remove all skip
 *    or fail on it), and the kernel moves the pages out of ZONE_MOVABLE and
 *    CMA before pinning, which is why pagemap is read only afterwards.  The
 *    holder keeps the rings open for its whole life.  When io_uring is
 *    unavailable (kernel built without it, or disabled), the holder carries
 *    on with mlock alone and says so; `kreloc exec` re-reads pagemap and
 *    refuses if anything moved, and the bundle's SHA-256 check (unless
 *    --no-verify) catches a page changed after that.
 *  - MADV_HUGEPAGE on a 2 MiB aligned region: fewer physical runs (the
 *    bundle allows KRELOC_BUNDLE_MAX_PAGE_RUNS).
 *
 * The holder: fork, setsid, chdir("/"), every descriptor closed but the
 * three it needs, then exec of this very program (/proc/self/exe) with
 * argv[0] = "@kreloc-hold": systemd-shutdown's final killing spree leaves
 * processes whose argv[0] starts with '@' alone.  Exec rather than
 * rewriting argv in place: argv[0] is then exactly that string, whatever
 * the length of the original command line.  It also moves itself to the
 * root cgroup when cgroup v2 is mounted, so stopping the login session's
 * scope (as `systemctl kexec` does before the spree) does not kill it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/reboot.h>

#include <kreloc/chunks.h>
#include <kreloc/sha256.h>

#include "os.h"

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
void kreloc_sha256_blocks_ce(uint32_t h[8], const uint8_t *data, size_t nblocks);
#endif

#define MIB2	(2ULL << 20)

/* struct kexec_segment of <linux/kexec.h>, spelled out: four machine words. */
struct os_kexec_segment {
	const void *buf;
	size_t bufsz;
	unsigned long mem;
	size_t memsz;
};
_Static_assert(sizeof(struct os_kexec_segment) == 4 * sizeof(void *), "kexec_segment layout");
_Static_assert(offsetof(struct os_kexec_segment, mem) == 2 * sizeof(void *), "kexec_segment.mem");
#define OS_KEXEC_ARCH_DEFAULT	0

/* ---- the root ---------------------------------------------------------------- */

const char *os_root(void)
{
	static char root[512];
	static int done;

	if (!done) {
		const char *r = getenv("KRELOC_SYSROOT");
		size_t n;

		done = 1;
		if (r && *r && strlen(r) < sizeof(root)) {
			strcpy(root, r);
			n = strlen(root);
			while (n > 0 && root[n - 1] == '/')
				root[--n] = '\0';
		}
	}
	return root;
}

int os_path(char *buf, size_t cap, const char *abs)
{
	int n = snprintf(buf, cap, "%s%s", os_root(), abs);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Read a small file below the root, NUL-terminated.  Bytes read, or -errno. */
static int read_text(const char *abs, char *buf, size_t cap)
{
	char path[640];
	ssize_t n;
	int fd, e = os_path(path, sizeof(path), abs);

	if (e)
		return e;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return (int)n;
}

static int write_text(const char *abs, const char *text)
{
	char path[640];
	size_t len = strlen(text);
	int fd, e = os_path(path, sizeof(path), abs);

	if (e)
		return e;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		e = errno ? -errno : -EIO;
		close(fd);
		return e;
	}
	return close(fd) ? -errno : 0;
}

/* An integer file (0/1 sysctls and flags). */
static int read_int(const char *abs)
{
	char buf[32], *end;
	long v;
	int n = read_text(abs, buf, sizeof(buf));

	if (n < 0)
		return n;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v < 0 || v > 0x7fffffff)
		return -EINVAL;
	return (int)v;
}

/* ---- system state ---------------------------------------------------------- */

int os_machine(char *buf, size_t cap)
{
	struct utsname u;

	if (*os_root()) {
		int n = read_text("/proc/sys/kernel/arch", buf, cap);

		if (n > 0) {
			buf[strcspn(buf, "\n")] = '\0';
			return 0;
		}
	}
	if (uname(&u))
		return -errno;
	snprintf(buf, cap, "%s", u.machine);
	return 0;
}

int os_caps(bool *sys_boot, bool *sys_admin)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	*sys_boot = (d[CAP_SYS_BOOT / 32].effective >> (CAP_SYS_BOOT % 32)) & 1;
	*sys_admin = (d[CAP_SYS_ADMIN / 32].effective >> (CAP_SYS_ADMIN % 32)) & 1;
	return 0;
}

int os_kexec_disabled(void)
{
	return read_int("/proc/sys/kernel/kexec_load_disabled");
}

int os_lockdown(char *mode, size_t cap)
{
	char buf[256], *a, *b;
	int n = read_text("/sys/kernel/security/lockdown", buf, sizeof(buf));

	if (n == -ENOENT) {
		snprintf(mode, cap, "none");
		return 0;
	}
	if (n < 0)
		return n;
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return -EINVAL;
	snprintf(mode, cap, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}

int os_mem_available(uint64_t *bytes)
{
	char buf[8192], *p;
	unsigned long long kb;
	int n = read_text("/proc/meminfo", buf, sizeof(buf));

	if (n < 0)
		return n;
	p = strstr(buf, "MemAvailable:");
	if (!p || sscanf(p + 13, "%llu", &kb) != 1)
		return -ENODATA;
	*bytes = (uint64_t)kb << 10;
	return 0;
}

int os_read_fdt(uint8_t **out, size_t *len)
{
	char path[640];
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, e = os_path(path, sizeof(path), "/sys/firmware/fdt");

	if (e)
		return e;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *q = realloc(buf, cap ? cap * 2 : 65536);

			if (!q) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = q;
			cap = cap ? cap * 2 : 65536;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;
}

int os_read_cmdline(char *buf, size_t cap)
{
	int n = read_text("/proc/cmdline", buf, cap);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int os_kexec_loaded(void)
{
	return read_int("/sys/kernel/kexec_loaded");
}

int os_compact_unevictable(int set, int *old)
{
	int v = read_int("/proc/sys/vm/compact_unevictable_allowed");
	char buf[16];

	if (v < 0)
		return v;
	if (old)
		*old = v;
	if (set < 0 || set == v)
		return 0;
	snprintf(buf, sizeof(buf), "%d\n", set);
	return write_text("/proc/sys/vm/compact_unevictable_allowed", buf);
}

int os_state_dir(char *buf, size_t cap, bool create)
{
	char run[640];
	int e = os_path(run, sizeof(run), "/run");

	if (!e)
		e = os_path(buf, cap, "/run/kreloc");
	if (e || !create)
		return e;
	if (mkdir(run, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

kreloc_sha256_blocks_fn os_sha256_blocks(const char **name)
{
#if defined(__aarch64__)
	if (getauxval(AT_HWCAP) & HWCAP_SHA2) {
		if (name)
			*name = "ARMv8 SHA-256 instructions";
		return kreloc_sha256_blocks_ce;
	}
#endif
	if (name)
		*name = "portable C";
	return kreloc_sha256_blocks;
}

/* ---- staging ------------------------------------------------------------------ */

uint64_t os_stage_pages(uint64_t size)
{
	return (size + OS_PAGE_SIZE - 1) / OS_PAGE_SIZE;
}

/* A SIGBUS while copying from a file mapping: the file shrank under us. */
static sigjmp_buf copy_bus_jmp;

static void copy_bus(int sig)
{
	(void)sig;
	siglongjmp(copy_bus_jmp, 1);
}

/* read() @size bytes of @fd into @dst: for what can't be mapped (a pipe). */
static int read_all(int fd, uint8_t *dst, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		size_t want = size - done > (4u << 20) ? (4u << 20) : (size_t)(size - done);
		ssize_t r = read(fd, dst + done, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;	/* shorter than fstat said: changed under us */
		done += (uint64_t)r;
	}
	return 0;
}

/*
 * The file is mapped and copied in user space rather than read(): read()
 * pays the kernel's per-page path (look-up, lock, iov_iter) for every
 * 4 KiB, a mapping pays one fault per fault-around batch of pages.  That
 * halves the cost of staging (bench/README.md).  MAP_POPULATE would fault
 * page by page, without fault-around: slower.
 */
/* The digest of a copy as it is made: whole, or per chunk (bundle.h). */
struct copy_hash {
	struct kreloc_sha256 s;
	kreloc_sha256_blocks_fn fn;
	uint8_t *chunks;
};

/* Hash @n bytes at @p, which are bytes [@off, @off + @n) of the file. */
static void copy_hash(struct copy_hash *h, const uint8_t *p, uint64_t off, uint64_t n)
{
	const uint64_t cs = KRELOC_CHUNK_SIZE_DEFAULT;

	if (!h->fn)
		return;
	if (!h->chunks) {
		kreloc_sha256_update(&h->s, p, (size_t)n);
		return;
	}
	while (n) {
		uint64_t in = off % cs, m = n < cs - in ? n : cs - in;

		if (!in)
			kreloc_sha256_init_with(&h->s, h->fn);
		kreloc_sha256_update(&h->s, p, (size_t)m);
		if (in + m == cs)
			kreloc_sha256_final(&h->s, h->chunks + off / cs * KRELOC_SHA256_SIZE);
		p += m;
		off += m;
		n -= m;
	}
}

/* The digest of all @size bytes: the last partial chunk, then the root. */
static void copy_hash_final(struct copy_hash *h, uint64_t size, uint8_t sha[32])
{
	const uint64_t cs = KRELOC_CHUNK_SIZE_DEFAULT;

	if (!h->chunks) {
		kreloc_sha256_final(&h->s, sha);
		return;
	}
	if (size % cs)
		kreloc_sha256_final(&h->s, h->chunks + size / cs * KRELOC_SHA256_SIZE);
	kreloc_sha256_init_with(&h->s, h->fn);
	kreloc_sha256_update(&h->s, h->chunks,
			     (size_t)(kreloc_chunks_count(size, cs) * KRELOC_SHA256_SIZE));
	kreloc_sha256_final(&h->s, sha);
}

int os_copy_file(int fd, uint8_t *dst, uint64_t size, kreloc_sha256_blocks_fn fn, uint8_t sha[32],
		 uint8_t *chunks)
{
	const size_t chunk = 4u << 20;	/* a multiple of KRELOC_CHUNK_SIZE_DEFAULT */
	struct sigaction sa, old;
	struct copy_hash h = { .fn = fn, .chunks = chunks };
	volatile int e = 0;
	uint8_t *src;

	if (fn)
		kreloc_sha256_init_with(&h.s, fn);
	src = size ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (src == MAP_FAILED) {
		e = read_all(fd, dst, size);
		if (!e)
			copy_hash(&h, dst, 0, size);
	} else {
		(void)madvise(src, (size_t)size, MADV_SEQUENTIAL);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = copy_bus;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, &old);
		if (sigsetjmp(copy_bus_jmp, 1)) {
			e = -EIO;	/* a page past the end: shorter than fstat said */
		} else {
			for (uint64_t off = 0; off < size; off += chunk) {
				size_t n = size - off > chunk ? chunk : (size_t)(size - off);

				memcpy(dst + off, src + off, n);
				copy_hash(&h, dst + off, off, n);
			}
		}
		sigaction(SIGBUS, &old, NULL);
		munmap(src, (size_t)size);
	}
	if (!e && fn)
		copy_hash_final(&h, size, sha);
	return e;
}

/*
 * Registering a buffer accounts its huge pages by scanning, for each new
 * huge page, the pages registered before it in the same ring (Linux 5.10
 * and 6.1 alike): the cost grows with the square of a ring's size, 174 M
 * instructions for 380 MiB in one ring (bench/README.md).  Small rings
 * keep that scan short.
 */
int os_pin_longterm(uint8_t *base, uint64_t len, uint64_t ring_bytes, char *pin, size_t pinsz)
{
	uint64_t nr = (len + ring_bytes - 1) / ring_bytes, i;
	int *ring = calloc(nr, sizeof(*ring));
	const char *what = "";
	int err = 0;

	if (!ring) {
		snprintf(pin, pinsz, "mlock only (out of memory for io_uring rings)");
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		uint64_t off = i * ring_bytes;
		struct io_uring_params prm;
		struct iovec iov = {
			.iov_base = base + off,
			.iov_len = (size_t)(len - off > ring_bytes ? ring_bytes : len - off),
		};
		long fd;

		memset(&prm, 0, sizeof(prm));
		fd = syscall(SYS_io_uring_setup, 1, &prm);
		if (fd < 0) {
			err = errno;
			what = "io_uring_setup";
			break;
		}
		ring[i] = (int)fd;
		if (syscall(SYS_io_uring_register, ring[i], IORING_REGISTER_BUFFERS, &iov, 1)) {
			err = errno;
			what = "io_uring buffers";
			i++;
			break;
		}
	}
	if (err) {
		while (i--)
			close(ring[i]);
		snprintf(pin, pinsz, "mlock only (%s: %s)", what, strerror(err));
	} else {
		snprintf(pin, pinsz, "mlock + io_uring long-term pin (%" PRIu64 " ring%s)", nr,
			 nr == 1 ? "" : "s");
	}
	free(ring);
	return -err;
}

/* Bytes of a blob's chunk table (bundle.h): 32 per KRELOC_CHUNK_SIZE_DEFAULT chunk. */
static size_t chunk_table_len(uint64_t size)
{
	return (size_t)(kreloc_chunks_count(size, KRELOC_CHUNK_SIZE_DEFAULT) * KRELOC_SHA256_SIZE);
}

/*
 * Map, read and hash the payload (@ifd: Image, @rfd: initrd or -1), the
 * Image at a 2 MiB aligned address, the initrd at the next 4 KiB page.
 * @lock: mlock and pin (the holder); not for plan --live.
 * @hash: compute the digests (the shim checks them); without it they stay
 * zero: `load --no-verify` reads nothing twice.
 */
static int stage_fds(int ifd, int rfd, bool lock, bool hash, bool chunks, struct os_stage *st,
		     char *why, size_t whysz)
{
	struct stat si, sr;
	uint64_t ilen, rlen = 0, len, maplen;
	const char *hname = "none (--no-verify)";
	kreloc_sha256_blocks_fn fn = hash ? os_sha256_blocks(&hname) : NULL;
	uint8_t *p, *base;
	int e;

	memset(st, 0, sizeof(*st));
	if (fstat(ifd, &si) || (rfd >= 0 && fstat(rfd, &sr))) {
		snprintf(why, whysz, "fstat: %s", strerror(errno));
		return -errno;
	}
	ilen = (uint64_t)si.st_size;
	if (rfd >= 0)
		rlen = (uint64_t)sr.st_size;
	len = os_stage_pages(ilen) * OS_PAGE_SIZE + os_stage_pages(rlen) * OS_PAGE_SIZE;
	maplen = (len + MIB2 - 1) & ~(MIB2 - 1);
	p = mmap(NULL, maplen + MIB2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		e = -errno;
		snprintf(why, whysz, "mmap of %llu bytes: %s", (unsigned long long)maplen,
			 strerror(errno));
		return e;
	}
	/* Keep the 2 MiB aligned part only. */
	base = (uint8_t *)(((uintptr_t)p + MIB2 - 1) & ~(uintptr_t)(MIB2 - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (base + maplen < p + maplen + MIB2)
		munmap(base + maplen, (size_t)(p + maplen + MIB2 - (base + maplen)));
	/* Fewer, larger physical runs; no transparent huge pages is fine too. */
	(void)madvise(base, maplen, MADV_HUGEPAGE);
	if (lock && mlock(base, maplen)) {
		e = -errno;
		snprintf(why, whysz, "mlock of %llu bytes: %s", (unsigned long long)maplen,
			 strerror(errno));
		return e;
	}
	if (hash && chunks) {
		st->image_chunks = malloc(chunk_table_len(ilen) + 1);
		st->initrd_chunks = malloc(chunk_table_len(rlen) + 1);
		if (!st->image_chunks || !st->initrd_chunks) {
			snprintf(why, whysz, "no memory for the chunk tables");
			return -ENOMEM;
		}
	}
	e = os_copy_file(ifd, base, ilen, fn, st->image_sha, st->image_chunks);
	if (!e && rfd >= 0)
		e = os_copy_file(rfd, base + os_stage_pages(ilen) * OS_PAGE_SIZE, rlen, fn,
			      st->initrd_sha, st->initrd_chunks);
	if (e) {
		snprintf(why, whysz, "reading the payload: %s", strerror(-e));
		return e;
	}
	/* Anonymous memory is zero already; the bytes past each blob stay so. */
	st->addr = (uint64_t)(uintptr_t)base;
	st->map_len = maplen;
	st->image_size = ilen;
	st->initrd_size = rlen;
	snprintf(st->hash, sizeof(st->hash), "%s", hname);
	snprintf(st->pin, sizeof(st->pin), "%s", lock ? "mlock" : "none (this process's pages)");
	if (lock)
		(void)os_pin_longterm(base, maplen, OS_PIN_RING_BYTES, st->pin, sizeof(st->pin));
	return 0;
}

static int open_ro(const char *path, char *why, size_t whysz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
	return fd;
}

int os_stage_local(const char *image, const char *initrd, bool chunks, struct os_stage *st,
		   char *why, size_t whysz)
{
	int ifd = open_ro(image, why, whysz), rfd = -1, e;

	if (ifd < 0)
		return -errno;
	if (initrd) {
		rfd = open_ro(initrd, why, whysz);
		if (rfd < 0) {
			e = -errno;
			close(ifd);
			return e;
		}
	}
	e = stage_fds(ifd, rfd, false, true, chunks, st, why, whysz);
	close(ifd);
	if (rfd >= 0)
		close(rfd);
	return e;
}

/* ---- the holder ---------------------------------------------------------------- */

/* read() until @len bytes or the end: the bytes read. */
static size_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (uint8_t *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* What the holder sends back once, through a pipe. */
struct holder_report {
	int32_t err;		/* 0 or -errno */
	char why[200];
	struct os_stage st;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int os_holder_main(int argc, char **argv)
{
	struct holder_report r;
	int rep, ifd, rfd;

	if (argc != 5)
		return 2;
	rep = atoi(argv[1]);
	ifd = atoi(argv[2]);
	rfd = atoi(argv[3]);
	memset(&r, 0, sizeof(r));
	(void)prctl(PR_SET_NAME, "kreloc-hold", 0, 0, 0);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* argv[4]: 0 no digests, 1 digests, 2 digests and chunk tables */
	r.err = stage_fds(ifd, rfd, true, atoi(argv[4]) != 0, atoi(argv[4]) == 2, &r.st, r.why,
			  sizeof(r.why));
	close(ifd);
	if (rfd >= 0)
		close(rfd);
	/* Out of the login session's cgroup (cgroup v2; best effort). */
	if (!r.err) {
		int fd = open("/sys/fs/cgroup/cgroup.procs", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, "0\n", 2) == 2)
				strncat(r.st.pin, ", root cgroup",
					sizeof(r.st.pin) - strlen(r.st.pin) - 1);
			close(fd);
		}
	}
	(void)write_all(rep, &r, sizeof(r));
	/* the chunk tables follow the report: their sizes follow from it */
	if (!r.err && r.st.image_chunks) {
		(void)write_all(rep, r.st.image_chunks, chunk_table_len(r.st.image_size));
		(void)write_all(rep, r.st.initrd_chunks, chunk_table_len(r.st.initrd_size));
	}
	close(rep);
	if (r.err)
		return 1;
	for (;;)
		pause();
}

long os_holder_start(const char *image, const char *initrd, bool hash, bool chunks,
		     struct os_stage *st, char *why, size_t whysz)
{
	struct holder_report r;
	int pfd[2], ifd, rfd = -1, e;
	size_t got = 0;
	pid_t pid;

	ifd = open(image, O_RDONLY);
	if (ifd < 0) {
		e = -errno;
		snprintf(why, whysz, "%s: %s", image, strerror(errno));
		return e;
	}
	if (initrd && (rfd = open(initrd, O_RDONLY)) < 0) {
		e = -errno;
		snprintf(why, whysz, "%s: %s", initrd, strerror(errno));
		close(ifd);
		return e;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		e = -errno;
		snprintf(why, whysz, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = -errno;
		snprintf(why, whysz, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (pid == 0) {
		char a1[16], a2[16], a3[16];
		char *args[] = { OS_HOLDER_ARGV0, OS_HOLDER_CMD, a1, a2, a3,
				 hash ? chunks ? "2" : "1" : "0", NULL };
		int keep[3] = { pfd[1], ifd, rfd }, null;

		setsid();
		if (chdir("/"))
			_exit(127);
		/* stdin/out/err to /dev/null: a $(kreloc load) must not wait for us. */
		null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3; fd++) {
			if (null >= 0 && null != fd)
				dup2(null, fd);
			else if (null < 0)
				close(fd);
		}
		for (int fd = 3; fd < 1024; fd++)
			if (fd != keep[0] && fd != keep[1] && fd != keep[2])
				close(fd);
		for (int i = 0; i < 3; i++)
			if (keep[i] >= 0)
				fcntl(keep[i], F_SETFD, 0);
		snprintf(a1, sizeof(a1), "%d", keep[0]);
		snprintf(a2, sizeof(a2), "%d", keep[1]);
		snprintf(a3, sizeof(a3), "%d", keep[2]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(pfd[1]);
	memset(&r, 0, sizeof(r));
	got = read_full(pfd[0], &r, sizeof(r));
	r.st.image_chunks = r.st.initrd_chunks = NULL;	/* the holder's pointers */
	if (got == sizeof(r) && !r.err && hash && chunks) {
		size_t ni = chunk_table_len(r.st.image_size), nr = chunk_table_len(r.st.initrd_size);

		r.st.image_chunks = malloc(ni + 1);
		r.st.initrd_chunks = malloc(nr + 1);
		if (!r.st.image_chunks || !r.st.initrd_chunks ||
		    read_full(pfd[0], r.st.image_chunks, ni) != ni ||
		    read_full(pfd[0], r.st.initrd_chunks, nr) != nr)
			got = 0;	/* the holder died, or we have no memory: as a short report */
	}
	close(pfd[0]);
	if (got != sizeof(r)) {
		free(r.st.image_chunks);
		free(r.st.initrd_chunks);
		int status;

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(why, whysz, "the holder process died before reporting (exec of "
			 "/proc/self/exe failed?)");
		e = -ECHILD;
		goto out;
	}
	if (r.err) {
		int status;

		waitpid(pid, &status, 0);
		snprintf(why, whysz, "%.*s", (int)sizeof(r.why), r.why);
		e = r.err;
		goto out;
	}
	*st = r.st;
	e = (int)pid;
out:
	close(ifd);
	if (rfd >= 0)
		close(rfd);
	return e;
}

/* /proc/PID/cmdline of a real process: its argv[0]. */
static int proc_argv0(long pid, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

int os_holder_alive(long pid)
{
	char a0[64];

	if (pid <= 0 || kill((pid_t)pid, 0))
		return 0;
	return !proc_argv0(pid, a0, sizeof(a0)) && !strcmp(a0, OS_HOLDER_ARGV0);
}

int os_holder_stop(long pid)
{
	if (!os_holder_alive(pid))
		return -ESRCH;
	if (kill((pid_t)pid, SIGKILL))
		return -errno;
	/* Our own child (load refusing after it started it): reap it here. */
	if (waitpid((pid_t)pid, NULL, 0) == (pid_t)pid)
		return 0;
	/* Else reaped by its parent (init); wait until the pages are really gone. */
	for (int i = 0; i < 200 && !kill((pid_t)pid, 0); i++) {
		char a0[64];

		if (proc_argv0(pid, a0, sizeof(a0)) || !a0[0])
			break;	/* a zombie has an empty cmdline */
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return 0;
}

/* ---- pagemap ---------------------------------------------------------------------- */

int os_pagemap(long pid, uint64_t addr, uint64_t nr, uint64_t *pa, uint64_t *bad)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t first, last, cnt, *ent;
	char path[64];
	int fd, e = 0;

	if (ps <= 0 || (ps & (ps - 1)) || addr % OS_PAGE_SIZE)
		return -EINVAL;
	if (!nr)
		return 0;
	first = addr / (uint64_t)ps;
	last = (addr + nr * OS_PAGE_SIZE - 1) / (uint64_t)ps;
	cnt = last - first + 1;
	ent = malloc(cnt * 8);
	if (!ent)
		return -ENOMEM;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%ld/pagemap", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(ent);
		return -errno;
	}
	for (uint64_t done = 0; done < cnt * 8;) {
		ssize_t r = pread(fd, (uint8_t *)ent + done, cnt * 8 - done,
				  (off_t)(first * 8 + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = r < 0 ? -errno : -EIO;
			break;
		}
		done += (uint64_t)r;
	}
	close(fd);
	for (uint64_t i = 0; !e && i < nr; i++) {
		uint64_t va = addr + i * OS_PAGE_SIZE;
		uint64_t v = ent[va / (uint64_t)ps - first];
		uint64_t pfn = v & ((1ULL << 55) - 1);

		if (!(v >> 63)) {
			if (bad)
				*bad = i;
			e = -ENXIO;
		} else if (!pfn) {
			e = -EPERM;
		} else {
			pa[i] = pfn * (uint64_t)ps + va % (uint64_t)ps;
		}
	}
	free(ent);
	return e;
}

/* ---- kexec ---------------------------------------------------------------------- */

/*
 * The real kernel is only ever asked to load or boot on a real arm64
 * machine and never under a fake root: a test that fakes the machine
 * (KRELOC_SYSROOT) must not reach the host's kexec.
 */
static int real_arm64(void)
{
	struct utsname u;

	if (*os_root())
		return -EPERM;
	if (uname(&u))
		return -errno;
	return strcmp(u.machine, "aarch64") ? -ENOEXEC : 0;
}

int os_kexec_load(uint64_t entry, const struct kreloc_live_segment *seg, unsigned int nr)
{
	struct os_kexec_segment ks[KRELOC_LIVE_MAX_SEGMENTS];
	int e = real_arm64();

	if (e)
		return e;

	if (nr > KRELOC_LIVE_MAX_SEGMENTS)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++) {
		ks[i].buf = seg[i].buf;
		ks[i].bufsz = seg[i].bufsz;
		ks[i].mem = (unsigned long)seg[i].mem;
		ks[i].memsz = (size_t)seg[i].memsz;
	}
	if (syscall(SYS_kexec_load, (unsigned long)entry, (unsigned long)nr, nr ? ks : NULL,
		    (unsigned long)OS_KEXEC_ARCH_DEFAULT))
		return -errno;
	return 0;
}

int os_kexec_reboot(void)
{
	int e = real_arm64();

	if (e)
		return e;
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
	return -errno;
}

/* ---- kreloc stamp / report ---------------------------------------------------- */

int os_counter(uint64_t *cntvct, uint64_t *cntfrq)
{
#if defined(__aarch64__)
	/* isb: the counter is read after what came before, as the trampoline does */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(*cntvct) : : "memory");
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(*cntfrq));
	return 0;
#else
	(void)cntvct;
	(void)cntfrq;
	return -ENOTSUP;
#endif
}

int os_boot_id(char *buf, size_t cap)
{
	int n = read_text("/proc/sys/kernel/random/boot_id", buf, cap);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -EINVAL;
}

int os_read_chosen(const char *prop, uint8_t *buf, size_t cap)
{
	char abs[256], path[640];
	ssize_t n;
	size_t got = 0;
	int fd, e;

	if (snprintf(abs, sizeof(abs), "/sys/firmware/devicetree/base/chosen/%s", prop) >=
	    (int)sizeof(abs))
		return -ENAMETOOLONG;
	e = os_path(path, sizeof(path), abs);
	if (e)
		return e;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* one byte past @cap tells a longer property from one of @cap bytes */
	while (got <= cap) {
		uint8_t extra;

		n = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	e = n < 0 ? -errno : 0;
	close(fd);
	return e ? e : (int)got;
}
