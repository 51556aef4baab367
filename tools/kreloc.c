// SPDX-License-Identifier: MIT
/*
 * kreloc.c - the kreloc command-line tool (host).
 *
 *   kreloc pack ...      build a payload bundle for the shim
 *   kreloc inspect FILE  describe an arm64 Image or a bundle
 *
 * Exit status: 0 success, 1 refused or failed, 2 usage error.
 * Every subcommand takes --help.  To add one, write cmd_NAME() and
 * usage_NAME() and add a line to the commands[] table at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/image.h>
#include <kreloc/sha256.h>

#include "pack.h"

#ifndef KRELOC_VERSION
#define KRELOC_VERSION "unknown"
#endif

#define EXIT_OK		0
#define EXIT_REFUSED	1
#define EXIT_USAGE	2

static const char *prog = "kreloc";

static void err_msg(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void err_msg(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a kreloc error about @what (a file name or an option). */
static void err_kreloc(const char *cmd, const char *what, int err)
{
	err_msg(cmd, "%s: %s (%s)", what, kreloc_strerror(err), kreloc_errname(err));
}

/* Read a whole file into malloc()ed memory.  0, or -1 after printing why. */
static int read_file(const char *cmd, const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		err_msg(cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			uint8_t *q = ncap > cap ? realloc(p, ncap) : NULL;

			if (!q) {
				err_msg(cmd, "%s: out of memory", path);
				free(p);
				fclose(f);
				return -1;
			}
			p = q;
			cap = ncap;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err_msg(cmd, "%s: read error: %s", path, strerror(errno));
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* Write @buf to @path via a temporary file in the same directory and rename(). */
static int write_atomic(const char *cmd, const char *path, const uint8_t *buf, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	mode_t mask;
	size_t done = 0;
	int fd;

	if (!tmp) {
		err_msg(cmd, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err_msg(cmd, "%s: cannot create temporary file: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0)
		goto fail;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	err_msg(cmd, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/* Parse a number with an optional K/M/G/T (binary) suffix.  0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	case 't': case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---- JSON output helpers ----------------------------------------------- */

static void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

/* ---- problems: what the shim would refuse, collected for output -------- */

#define MAX_PROBLEMS 32

struct problems {
	struct {
		int err;
		char where[48];
	} p[MAX_PROBLEMS];
	unsigned int n;
};

static void add_problem(struct problems *pr, int err, const char *where)
{
	if (pr->n == MAX_PROBLEMS)
		return;
	pr->p[pr->n].err = err;
	snprintf(pr->p[pr->n].where, sizeof(pr->p[pr->n].where), "%s", where);
	pr->n++;
}

static void print_problems_text(const struct problems *pr)
{
	if (!pr->n) {
		printf("problems:    none\n");
		return;
	}
	printf("problems:\n");
	for (unsigned int i = 0; i < pr->n; i++)
		printf("  %s: %s (%s)\n", pr->p[i].where, kreloc_strerror(pr->p[i].err),
		       kreloc_errname(pr->p[i].err));
}

static void print_problems_json(const struct problems *pr)
{
	printf("\"problems\": [");
	for (unsigned int i = 0; i < pr->n; i++) {
		printf("%s{\"where\": ", i ? ", " : "");
		json_cstr(stdout, pr->p[i].where);
		printf(", \"code\": %d, \"name\": \"%s\", \"message\": ", pr->p[i].err,
		       kreloc_errname(pr->p[i].err));
		json_cstr(stdout, kreloc_strerror(pr->p[i].err));
		printf("}");
	}
	printf("]");
}

/* ---- Image description ------------------------------------------------- */

static const char *page_size_name(unsigned int shift)
{
	switch (shift) {
	case 12:
		return "4K";
	case 14:
		return "16K";
	case 16:
		return "64K";
	default:
		return "unspecified";
	}
}

/* Describe an Image (whole file in @buf), adding refusals to @pr. */
static void describe_image(const uint8_t *buf, size_t len, bool json, const char *indent,
			   const char *where, struct problems *pr)
{
	struct kreloc_image_info info;
	char release[128];
	uint64_t raw_to = 0, raw_size = 0, raw_flags = 0;
	int err, rl;

	err = kreloc_image_parse(buf, len, &info);
	if (err)
		add_problem(pr, err, where);
	if (len >= KRELOC_IMAGE_HEADER_SIZE) {
		raw_to = kreloc_le64(buf + 8);
		raw_size = kreloc_le64(buf + 16);
		raw_flags = kreloc_le64(buf + 24);
	}
	rl = kreloc_image_release(buf, len, release, sizeof(release));
	if (rl < 0)
		release[0] = '\0';

	if (json) {
		printf("{\"valid\": %s, \"file_size\": %zu", err ? "false" : "true", len);
		if (len >= KRELOC_IMAGE_HEADER_SIZE)
			printf(", \"header\": {\"text_offset\": %" PRIu64 ", \"image_size\": %" PRIu64
			       ", \"flags\": %" PRIu64 ", \"magic_ok\": %s}", raw_to, raw_size,
			       raw_flags,
			       kreloc_le32(buf + KRELOC_IMAGE_MAGIC_OFFSET) == KRELOC_IMAGE_MAGIC ?
			       "true" : "false");
		if (!err)
			printf(", \"text_offset\": %" PRIu64 ", \"image_size\": %" PRIu64
			       ", \"flags\": %" PRIu64 ", \"big_endian\": false, \"page_size\": %u"
			       ", \"anywhere\": %s, \"legacy\": %s", info.text_offset,
			       info.image_size, info.flags,
			       info.page_shift ? 1U << info.page_shift : 0,
			       info.anywhere ? "true" : "false", info.legacy ? "true" : "false");
		printf(", \"release\": ");
		if (rl >= 0)
			json_cstr(stdout, release);
		else
			printf("null");
		printf("}");
		return;
	}

	printf("%sfile size:   %zu\n", indent, len);
	if (len >= KRELOC_IMAGE_HEADER_SIZE) {
		printf("%stext_offset: 0x%" PRIx64 "\n", indent, raw_to);
		printf("%simage_size:  0x%" PRIx64 " (%" PRIu64 ")\n", indent, raw_size, raw_size);
		printf("%sflags:       0x%" PRIx64, indent, raw_flags);
		if (!err && info.legacy)
			printf(" (legacy header: flags ignored)\n");
		else if (!err)
			printf(" (little-endian, %s pages, %s)\n", page_size_name(info.page_shift),
			       info.anywhere ? "anywhere in RAM" : "as low in RAM as possible");
		else
			printf("\n");
	}
	if (!err && info.legacy)
		printf("%slegacy:      yes (text_offset taken as 0x%" PRIx64 ", %" PRIu64
		       " bytes reserved)\n", indent, info.text_offset, info.image_size);
	printf("%srelease:     %s\n", indent, rl >= 0 ? release : "(not found)");
}

static int inspect_image(const char *path, const uint8_t *buf, size_t len, bool json)
{
	struct problems pr = { .n = 0 };

	if (json) {
		/* describe first into the problems list, then print in order */
		printf("{\"file\": ");
		json_cstr(stdout, path);
		printf(", \"type\": \"image\", \"image\": ");
		describe_image(buf, len, true, "", path, &pr);
		printf(", \"ok\": %s, ", pr.n ? "false" : "true");
		print_problems_json(&pr);
		printf("}\n");
	} else {
		printf("file:        %s\n", path);
		printf("type:        arm64 Linux Image\n");
		describe_image(buf, len, false, "", path, &pr);
		print_problems_text(&pr);
	}
	return pr.n ? EXIT_REFUSED : EXIT_OK;
}

/* ---- bundle description ------------------------------------------------ */

static const char *entry_type_name(uint32_t t)
{
	static const char *const names[] = {
		[KRELOC_BUNDLE_IMAGE] = "image",
		[KRELOC_BUNDLE_INITRD] = "initrd",
		[KRELOC_BUNDLE_CMDLINE] = "cmdline",
		[KRELOC_BUNDLE_DTB] = "dtb",
		[KRELOC_BUNDLE_NESTED] = "nested",
		[KRELOC_BUNDLE_PRESERVE] = "preserve",
	};

	return t < KRELOC_ARRAY_SIZE(names) && names[t] ? names[t] : "unknown";
}

static const char *mode_name(unsigned int m)
{
	return m == KRELOC_MODE_CLASSIC ? "classic" : "mmu";
}

static void print_options_text(const struct kreloc_bundle *b)
{
	printf("options:     0x%" PRIx64 " (mode %s%s, granule %uK%s%s%s)\n", b->options,
	       mode_name(kreloc_bundle_mode(b)),
	       (b->options & KRELOC_OPT_MODE_MASK) ? "" : " (default)",
	       (1U << kreloc_bundle_granule_shift(b)) >> 10,
	       (b->options & KRELOC_OPT_GRANULE_MASK) ? "" : " (default)",
	       (b->options & KRELOC_OPT_VERIFY) ? ", verify" : "",
	       (b->options & KRELOC_OPT_PLACE_HIGH) ? ", place-high" : "");
}

static void describe_entries(const struct kreloc_bundle *b, bool json, struct problems *pr)
{
	uint32_t nr = kreloc_le32(b->base + 24);

	if (json)
		printf("\"entries\": [");
	else
		printf("entries:     %" PRIu32 "\n", nr);

	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *e = b->base + KRELOC_BUNDLE_HEADER_SIZE + i * KRELOC_BUNDLE_ENTRY_SIZE;
		uint32_t type = kreloc_le32(e);
		uint64_t off = kreloc_le64(e + 8), len = kreloc_le64(e + 16);
		uint64_t align = kreloc_le64(e + 24);
		char where[48], digest[2 * KRELOC_SHA256_SIZE + 1];
		uint8_t md[KRELOC_SHA256_SIZE];
		bool ok;

		snprintf(where, sizeof(where), "entry %u (%s)", i, entry_type_name(type));
		if (json)
			printf("%s{\"index\": %u, \"type\": \"%s\"", i ? ", " : "", i,
			       entry_type_name(type));

		if (type == KRELOC_BUNDLE_PRESERVE) {
			uint64_t a = kreloc_le64(e + 32), s = kreloc_le64(e + 40);

			if (json)
				printf(", \"addr\": %" PRIu64 ", \"size\": %" PRIu64 "}", a, s);
			else
				printf("  [%u] %-8s addr 0x%" PRIx64 " size 0x%" PRIx64 "\n", i,
				       entry_type_name(type), a, s);
			continue;
		}

		kreloc_sha256(b->base + off, (size_t)len, md);
		ok = memcmp(md, e + 48, KRELOC_SHA256_SIZE) == 0;
		if (!ok)
			add_problem(pr, KRELOC_E_BUNDLE_CHECKSUM, where);
		hex(digest, e + 48, KRELOC_SHA256_SIZE);

		if (json) {
			printf(", \"offset\": %" PRIu64 ", \"length\": %" PRIu64 ", \"align\": %"
			       PRIu64 ", \"sha256\": \"%s\", \"digest_ok\": %s", off, len, align,
			       digest, ok ? "true" : "false");
		} else {
			printf("  [%u] %-8s offset 0x%" PRIx64 " length %" PRIu64 " align 0x%" PRIx64
			       "\n      sha256 %s %s\n", i, entry_type_name(type), off, len, align,
			       digest, ok ? "ok" : "MISMATCH");
		}

		if (type == KRELOC_BUNDLE_IMAGE) {
			if (json)
				printf(", \"image\": ");
			describe_image(b->base + off, (size_t)len, json, "      ", where, pr);
		} else if (type == KRELOC_BUNDLE_CMDLINE) {
			if (json) {
				printf(", \"text\": ");
				json_str(stdout, (const char *)b->base + off, (size_t)len);
			} else {
				printf("      \"%.*s\"\n", (int)len, (const char *)b->base + off);
			}
		} else if (type == KRELOC_BUNDLE_NESTED) {
			struct kreloc_bundle nb;
			int err = kreloc_bundle_parse(b->base + off, len, &nb);

			if (!err)
				err = kreloc_bundle_verify(&nb);
			if (err)
				add_problem(pr, err, where);
			if (json)
				printf(", \"nested_valid\": %s", err ? "false" : "true");
			else
				printf("      nested bundle: %s\n",
				       err ? kreloc_strerror(err) : "valid, digests ok");
		}
		if (json)
			printf("}");
	}
	if (json)
		printf("], ");
}

static int inspect_bundle(const char *path, const uint8_t *buf, size_t len, bool json)
{
	struct problems pr = { .n = 0 };
	struct kreloc_bundle b;
	int err = kreloc_bundle_parse(buf, len, &b);

	if (err)
		add_problem(&pr, err, "header");

	if (json) {
		printf("{\"file\": ");
		json_cstr(stdout, path);
		printf(", \"type\": \"bundle\", \"file_size\": %zu, ", len);
		if (len >= KRELOC_BUNDLE_HEADER_SIZE)
			printf("\"header\": {\"version\": %" PRIu32 ", \"total_size\": %" PRIu64
			       ", \"nr_entries\": %" PRIu32 ", \"options\": %" PRIu64 "}, ",
			       kreloc_le32(buf + 8), kreloc_le64(buf + 16), kreloc_le32(buf + 24),
			       kreloc_le64(buf + 32));
		if (!err) {
			printf("\"mode\": \"%s\", \"granule\": %u, \"verify\": %s, "
			       "\"place_high\": %s, ", mode_name(kreloc_bundle_mode(&b)),
			       1U << kreloc_bundle_granule_shift(&b),
			       (b.options & KRELOC_OPT_VERIFY) ? "true" : "false",
			       (b.options & KRELOC_OPT_PLACE_HIGH) ? "true" : "false");
			describe_entries(&b, true, &pr);
		}
		printf("\"ok\": %s, ", pr.n ? "false" : "true");
		print_problems_json(&pr);
		printf("}\n");
		return pr.n ? EXIT_REFUSED : EXIT_OK;
	}

	printf("file:        %s\n", path);
	printf("type:        kreloc bundle\n");
	if (len >= KRELOC_BUNDLE_HEADER_SIZE) {
		printf("version:     %" PRIu32 "\n", kreloc_le32(buf + 8));
		printf("total_size:  %" PRIu64 " (file %zu bytes)\n", kreloc_le64(buf + 16), len);
	}
	if (!err) {
		print_options_text(&b);
		describe_entries(&b, false, &pr);
	}
	print_problems_text(&pr);
	return pr.n ? EXIT_REFUSED : EXIT_OK;
}

/* ---- kreloc inspect ---------------------------------------------------- */

static void usage_inspect(FILE *f)
{
	fprintf(f,
		"usage: %s inspect [--json] FILE\n"
		"\n"
		"Describe an arm64 Image or a kreloc bundle.  For an Image: header fields,\n"
		"flags decoded, the \"Linux version\" release, and any reason the shim would\n"
		"refuse it.  For a bundle: header, options, every entry (with its SHA-256\n"
		"checked), the Image inside it, and problems.\n"
		"\n"
		"  --json      one JSON object on stdout instead of text\n"
		"  -h, --help  this help\n"
		"\n"
		"Exit status: 0 no problems, 1 problems found or unreadable, 2 usage.\n",
		prog);
}

static int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	uint8_t *buf;
	size_t len;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage_inspect(stdout);
			return EXIT_OK;
		case ':':
			err_msg("inspect", "option '%s' needs an argument (see --help)",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			err_msg("inspect", "unknown option '%s' (see --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		err_msg("inspect", "expected one FILE (see --help)");
		return EXIT_USAGE;
	}
	if (read_file("inspect", argv[optind], &buf, &len))
		return EXIT_REFUSED;
	if (len >= 8 && memcmp(buf, KRELOC_BUNDLE_MAGIC, 8) == 0)
		rc = inspect_bundle(argv[optind], buf, len, json);
	else
		rc = inspect_image(argv[optind], buf, len, json);
	free(buf);
	return rc;
}

/* ---- kreloc pack ------------------------------------------------------- */

static void usage_pack(FILE *f)
{
	fprintf(f,
		"usage: %s pack --image FILE [options] -o OUT\n"
		"\n"
		"Build a kreloc bundle: what the shim boots next.  Every input is checked as\n"
		"the shim would check it, and the result is re-parsed before it is written\n"
		"(atomically: a temporary file renamed over OUT).\n"
		"\n"
		"  --image FILE        arm64 Linux Image to boot (required)\n"
		"  --initrd FILE       initramfs for it\n"
		"  --dtb FILE          device tree to use instead of the one the shim got\n"
		"  --cmdline STRING    kernel command line (at most %d bytes)\n"
		"  --mode mmu|classic  copy with the MMU on (default) or off\n"
		"  --granule 4k|16k|64k  transitional page-table granule (default 4k)\n"
		"  --verify            shim checks every SHA-256 before the hand-off\n"
		"  --place-high        place the payload as high in RAM as it fits\n"
		"  --preserve BASE:SIZE  physical range no destination may touch; page\n"
		"                      aligned, K/M/G/T suffixes allowed; up to %d times\n"
		"  --nested FILE       a bundle for a chained hand-off\n"
		"  -o, --output OUT    where to write the bundle (required)\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit status: 0 written, 1 an input was refused or writing failed, 2 usage.\n",
		prog, KRELOC_CMDLINE_MAX, KRELOC_BUNDLE_MAX_PRESERVE);
}

enum {
	OPT_IMAGE = 256, OPT_INITRD, OPT_DTB, OPT_CMDLINE, OPT_MODE, OPT_GRANULE,
	OPT_VERIFY, OPT_PLACE_HIGH, OPT_PRESERVE, OPT_NESTED,
};

static int cmd_pack(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "dtb", required_argument, NULL, OPT_DTB },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "granule", required_argument, NULL, OPT_GRANULE },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "place-high", no_argument, NULL, OPT_PLACE_HIGH },
		{ "preserve", required_argument, NULL, OPT_PRESERVE },
		{ "nested", required_argument, NULL, OPT_NESTED },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *initrd = NULL, *dtb = NULL, *nested = NULL, *outp = NULL;
	const char *cmdline = NULL;
	struct kreloc_pack_input in;
	struct kreloc_pack_result res;
	uint8_t *bufs[4] = { NULL, NULL, NULL, NULL };
	size_t lens[4] = { 0, 0, 0, 0 };
	const char *paths[4];
	int c, err, rc = EXIT_REFUSED;

	memset(&in, 0, sizeof(in));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE:
			image = optarg;
			break;
		case OPT_INITRD:
			initrd = optarg;
			break;
		case OPT_DTB:
			dtb = optarg;
			break;
		case OPT_NESTED:
			nested = optarg;
			break;
		case OPT_CMDLINE:
			cmdline = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case OPT_MODE:
			in.options &= ~KRELOC_OPT_MODE_MASK;
			if (!strcasecmp(optarg, "mmu")) {
				in.options |= (uint64_t)KRELOC_MODE_MMU << KRELOC_OPT_MODE_SHIFT;
			} else if (!strcasecmp(optarg, "classic")) {
				in.options |= (uint64_t)KRELOC_MODE_CLASSIC << KRELOC_OPT_MODE_SHIFT;
			} else {
				err_msg("pack", "--mode: '%s' is not mmu or classic", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_GRANULE: {
			uint64_t g;

			if (!strcasecmp(optarg, "4k")) {
				g = KRELOC_GRANULE_4K;
			} else if (!strcasecmp(optarg, "16k")) {
				g = KRELOC_GRANULE_16K;
			} else if (!strcasecmp(optarg, "64k")) {
				g = KRELOC_GRANULE_64K;
			} else {
				err_msg("pack", "--granule: '%s' is not 4k, 16k or 64k", optarg);
				return EXIT_USAGE;
			}
			in.options &= ~KRELOC_OPT_GRANULE_MASK;
			in.options |= g << KRELOC_OPT_GRANULE_SHIFT;
			break;
		}
		case OPT_VERIFY:
			in.options |= KRELOC_OPT_VERIFY;
			break;
		case OPT_PLACE_HIGH:
			in.options |= KRELOC_OPT_PLACE_HIGH;
			break;
		case OPT_PRESERVE: {
			char *colon = strchr(optarg, ':');
			uint64_t base, size;

			if (in.nr_preserve == KRELOC_BUNDLE_MAX_PRESERVE) {
				err_msg("pack", "--preserve: at most %d ranges",
					KRELOC_BUNDLE_MAX_PRESERVE);
				return EXIT_USAGE;
			}
			if (!colon) {
				err_msg("pack", "--preserve: '%s' is not BASE:SIZE", optarg);
				return EXIT_USAGE;
			}
			*colon = '\0';
			if (parse_size(optarg, &base) || parse_size(colon + 1, &size)) {
				*colon = ':';
				err_msg("pack", "--preserve: '%s' is not BASE:SIZE", optarg);
				return EXIT_USAGE;
			}
			*colon = ':';
			in.preserve[in.nr_preserve].base = base;
			in.preserve[in.nr_preserve].size = size;
			in.nr_preserve++;
			break;
		}
		case 'h':
			usage_pack(stdout);
			return EXIT_OK;
		case ':':
			err_msg("pack", "option '%s' needs an argument (see --help)",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			err_msg("pack", "unknown option '%s' (see --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err_msg("pack", "unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!image || !outp) {
		err_msg("pack", "--image and -o are required (see --help)");
		return EXIT_USAGE;
	}

	paths[0] = image;
	paths[1] = initrd;
	paths[2] = dtb;
	paths[3] = nested;
	for (int i = 0; i < 4; i++) {
		if (!paths[i])
			continue;
		if (read_file("pack", paths[i], &bufs[i], &lens[i]))
			goto out;
		if (lens[i] == 0) {
			err_msg("pack", "%s: empty file", paths[i]);
			goto out;
		}
	}
	in.image.data = bufs[0];
	in.image.len = lens[0];
	in.initrd.data = bufs[1];
	in.initrd.len = lens[1];
	in.dtb.data = bufs[2];
	in.dtb.len = lens[2];
	in.nested.data = bufs[3];
	in.nested.len = lens[3];
	if (cmdline) {
		in.cmdline.data = cmdline;
		in.cmdline.len = strlen(cmdline);
	}

	err = kreloc_pack(&in, &res);
	if (err) {
		const char *what = res.culprit ? res.culprit : "bundle";

		if (!strcmp(what, "image"))
			what = image;
		else if (!strcmp(what, "initrd"))
			what = initrd;
		else if (!strcmp(what, "dtb"))
			what = dtb;
		else if (!strcmp(what, "nested"))
			what = nested;
		else if (!strcmp(what, "cmdline"))
			what = "--cmdline";
		else if (!strcmp(what, "preserve"))
			what = "--preserve";
		else if (!strcmp(what, "options"))
			what = "--mode/--granule";
		else
			what = outp;
		err_kreloc("pack", what, err);
		goto out;
	}
	if (write_atomic("pack", outp, res.buf, res.len) == 0)
		rc = EXIT_OK;
	free(res.buf);
out:
	for (int i = 0; i < 4; i++)
		free(bufs[i]);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *summary;
};

static const struct command commands[] = {
	{ "pack", cmd_pack, usage_pack, "build a payload bundle for the shim" },
	{ "inspect", cmd_inspect, usage_inspect, "describe an arm64 Image or a bundle" },
};

static void usage_main(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS]\n\nkreloc %s - fast arm64 kernel hand-off.\n\n"
		"Commands:\n", prog, KRELOC_VERSION);
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'%s COMMAND --help' describes a command.  '%s --version' prints the version.\n"
		"Exit status: 0 success, 1 refused or failed, 2 usage error.\n", prog, prog);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2) {
			for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++) {
				if (!strcmp(argv[2], commands[i].name)) {
					commands[i].usage(stdout);
					return EXIT_OK;
				}
			}
		}
		usage_main(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kreloc %s\n", KRELOC_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", prog, argv[1], prog);
	return EXIT_USAGE;
}
