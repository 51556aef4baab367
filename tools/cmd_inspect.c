// SPDX-License-Identifier: MIT
/*
 * cmd_inspect.c - `kreloc inspect`: describe an arm64 Image or a bundle, and
 * list every reason the shim would refuse it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/image.h>
#include <kreloc/sha256.h>

#include "cli.h"

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
		cli_json_cstr(stdout, pr->p[i].where);
		printf(", \"code\": %d, \"name\": \"%s\", \"message\": ", pr->p[i].err,
		       kreloc_errname(pr->p[i].err));
		cli_json_cstr(stdout, kreloc_strerror(pr->p[i].err));
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
			cli_json_cstr(stdout, release);
		else
			printf("null");
		printf("}");
		return;
	}

	printf("%sfile size:   %zu\n", indent, len);
	if (len >= KRELOC_IMAGE_HEADER_SIZE &&
	    kreloc_le32(buf + KRELOC_IMAGE_MAGIC_OFFSET) == KRELOC_IMAGE_MAGIC) {
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
	bool magic = len >= KRELOC_IMAGE_HEADER_SIZE &&
		     kreloc_le32(buf + KRELOC_IMAGE_MAGIC_OFFSET) == KRELOC_IMAGE_MAGIC;

	if (json) {
		printf("{\"file\": ");
		cli_json_cstr(stdout, path);
		printf(", \"type\": \"%s\", \"image\": ", magic ? "image" : "unknown");
		describe_image(buf, len, true, "", path, &pr);
		printf(", \"ok\": %s, ", pr.n ? "false" : "true");
		print_problems_json(&pr);
		printf("}\n");
	} else {
		printf("file:        %s\n", path);
		printf("type:        %s\n", magic ? "arm64 Linux Image" :
		       "unknown (neither an arm64 Image nor a kreloc bundle)");
		describe_image(buf, len, false, "", path, &pr);
		print_problems_text(&pr);
	}
	return pr.n ? KRELOC_EXIT_REFUSED : KRELOC_EXIT_OK;
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
		[KRELOC_BUNDLE_IMAGE_CHUNKS] = "image-chunks",
		[KRELOC_BUNDLE_INITRD_CHUNKS] = "initrd-chunks",
	};

	return t < KRELOC_ARRAY_SIZE(names) && names[t] ? names[t] : "unknown";
}

static const char *mode_name(unsigned int m)
{
	return m == KRELOC_MODE_CLASSIC ? "classic" : "mmu";
}

static void print_options_text(const struct kreloc_bundle *b)
{
	char cpus[24] = "";

	if (kreloc_bundle_cpus(b) > 1)
		snprintf(cpus, sizeof(cpus), ", up to %u CPUs", kreloc_bundle_cpus(b));
	printf("options:     0x%" PRIx64 " (mode %s%s, granule %uK%s%s%s%s%s%s)\n", b->options,
	       mode_name(kreloc_bundle_mode(b)),
	       (b->options & KRELOC_OPT_MODE_MASK) ? "" : " (default)",
	       (1U << kreloc_bundle_granule_shift(b)) >> 10,
	       (b->options & KRELOC_OPT_GRANULE_MASK) ? "" : " (default)",
	       (b->options & KRELOC_OPT_VERIFY) ? ", verify" : "",
	       (b->options & KRELOC_OPT_PLACE_HIGH) ? ", place-high" : "",
	       (b->options & KRELOC_OPT_MEASURE_COPY) ? ", measure-copy" : "",
	       (b->options & KRELOC_OPT_FAIL_RESET) ? ", fail-reset" : "", cpus);
}

/*
 * A paged blob (bundle.h): its bytes are in physical pages of the machine
 * that boots it, not in the file, so neither its digest nor its Image
 * header can be checked here: say so, with what the page table tells.
 */
static void describe_paged(const struct kreloc_blob *blob, uint32_t i, uint32_t type, bool json)
{
	char digest[2 * KRELOC_SHA256_SIZE + 1];
	uint64_t runs = kreloc_blob_page_runs(blob);

	cli_hex(digest, blob->sha256, KRELOC_SHA256_SIZE);
	if (json) {
		printf(", \"paged\": true, \"size\": %" PRIu64 ", \"pages\": %" PRIu64
		       ", \"runs\": %" PRIu64 ", \"sha256\": \"%s\", \"digest_ok\": null}",
		       blob->len, blob->nr_pages, runs, digest);
	} else {
		printf("  [%u] %-8s paged: size %" PRIu64 ", %" PRIu64 " pages in %" PRIu64
		       " runs of physical memory\n      sha256 %s (pages not in the file: "
		       "not checked)\n", i, entry_type_name(type), blob->len, blob->nr_pages, runs,
		       digest);
	}
}

/*
 * A chunked blob's bytes against its chunk table (bundle.h): the index of
 * the first chunk that differs, or -1.  The root is the table's digest,
 * checked as that entry's own.
 */
static int64_t first_bad_chunk(const struct kreloc_blob *v)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	for (uint64_t k = 0; k < v->nr_chunks; k++) {
		uint64_t off = k * v->chunk_size;
		uint64_t n = v->len - off < v->chunk_size ? v->len - off : v->chunk_size;

		kreloc_sha256(v->data + off, (size_t)n, md);
		if (memcmp(md, v->chunks + k * KRELOC_SHA256_SIZE, sizeof(md)))
			return (int64_t)k;
	}
	return -1;
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
		const struct kreloc_blob *chunked;
		int64_t bad = -1;
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

		if (kreloc_le32(e + 4) & KRELOC_BUNDLE_F_PAGES) {
			describe_paged(type == KRELOC_BUNDLE_IMAGE ? &b->image : &b->initrd, i,
				       type, json);
			continue;
		}
		chunked = type == KRELOC_BUNDLE_IMAGE ? &b->image :
			  type == KRELOC_BUNDLE_INITRD ? &b->initrd : NULL;
		if (chunked && chunked->chunks) {
			bad = first_bad_chunk(chunked);
			ok = bad < 0;
		} else {
			kreloc_sha256(b->base + off, (size_t)len, md);
			ok = memcmp(md, e + 48, KRELOC_SHA256_SIZE) == 0;
			chunked = NULL;
		}
		if (!ok)
			add_problem(pr, KRELOC_E_BUNDLE_CHECKSUM, where);
		cli_hex(digest, e + 48, KRELOC_SHA256_SIZE);

		if (json) {
			printf(", \"offset\": %" PRIu64 ", \"length\": %" PRIu64 ", \"align\": %"
			       PRIu64 ", \"sha256\": \"%s\", \"digest_ok\": %s", off, len, align,
			       digest, ok ? "true" : "false");
		} else {
			printf("  [%u] %-8s offset 0x%" PRIx64 " length %" PRIu64 " align 0x%" PRIx64
			       "\n      sha256 %s %s\n", i, entry_type_name(type), off, len, align,
			       digest, ok ? "ok" : "MISMATCH");
		}
		if (chunked && json)
			printf(", \"chunks\": %" PRIu64 ", \"chunk_size\": %" PRIu64
			       ", \"first_bad_chunk\": %" PRId64, chunked->nr_chunks,
			       chunked->chunk_size, bad);
		else if (chunked && ok)
			printf("      root of %" PRIu64 " chunks of %" PRIu64 " KiB, every one ok\n",
			       chunked->nr_chunks, chunked->chunk_size >> 10);
		else if (chunked)
			printf("      root of %" PRIu64 " chunks of %" PRIu64 " KiB, chunk %" PRId64
			       " MISMATCH\n", chunked->nr_chunks, chunked->chunk_size >> 10, bad);

		if (type == KRELOC_BUNDLE_IMAGE) {
			if (json)
				printf(", \"image\": ");
			describe_image(b->base + off, (size_t)len, json, "      ", where, pr);
		} else if (type == KRELOC_BUNDLE_CMDLINE) {
			if (json) {
				printf(", \"text\": ");
				cli_json_str(stdout, (const char *)b->base + off, (size_t)len);
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
		cli_json_cstr(stdout, path);
		printf(", \"type\": \"bundle\", \"file_size\": %zu, ", len);
		if (len >= KRELOC_BUNDLE_HEADER_SIZE)
			printf("\"header\": {\"version\": %" PRIu32 ", \"total_size\": %" PRIu64
			       ", \"nr_entries\": %" PRIu32 ", \"options\": %" PRIu64 "}, ",
			       kreloc_le32(buf + 8), kreloc_le64(buf + 16), kreloc_le32(buf + 24),
			       kreloc_le64(buf + 32));
		if (!err) {
			printf("\"mode\": \"%s\", \"granule\": %u, \"verify\": %s, "
			       "\"place_high\": %s, \"measure_copy\": %s, \"fail_reset\": %s, "
			       "\"cpus\": %u, ",
			       mode_name(kreloc_bundle_mode(&b)),
			       1U << kreloc_bundle_granule_shift(&b),
			       (b.options & KRELOC_OPT_VERIFY) ? "true" : "false",
			       (b.options & KRELOC_OPT_PLACE_HIGH) ? "true" : "false",
			       (b.options & KRELOC_OPT_MEASURE_COPY) ? "true" : "false",
			       (b.options & KRELOC_OPT_FAIL_RESET) ? "true" : "false",
			       kreloc_bundle_cpus(&b));
			describe_entries(&b, true, &pr);
		}
		printf("\"ok\": %s, ", pr.n ? "false" : "true");
		print_problems_json(&pr);
		printf("}\n");
		return pr.n ? KRELOC_EXIT_REFUSED : KRELOC_EXIT_OK;
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
	return pr.n ? KRELOC_EXIT_REFUSED : KRELOC_EXIT_OK;
}

/* ---- kreloc inspect ---------------------------------------------------- */

void kreloc_usage_inspect(FILE *f)
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
		"kreloc");
}

int kreloc_cmd_inspect(int argc, char **argv)
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
			kreloc_usage_inspect(stdout);
			return KRELOC_EXIT_OK;
		case ':':
			cli_err("inspect", "option '%s' needs an argument (see --help)",
				argv[optind - 1]);
			return KRELOC_EXIT_USAGE;
		default:
			cli_err("inspect", "unknown option '%s' (see --help)", argv[optind - 1]);
			return KRELOC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_err("inspect", "expected one FILE (see --help)");
		return KRELOC_EXIT_USAGE;
	}
	if (cli_read_file("inspect", argv[optind], &buf, &len))
		return KRELOC_EXIT_REFUSED;
	if (len >= 8 && memcmp(buf, KRELOC_BUNDLE_MAGIC, 8) == 0)
		rc = inspect_bundle(argv[optind], buf, len, json);
	else
		rc = inspect_image(argv[optind], buf, len, json);
	free(buf);
	return rc;
}
