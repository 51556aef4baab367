// SPDX-License-Identifier: MIT
/*
 * cli.c - helpers shared by the kreloc subcommands (see cli.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>

#include "cli.h"

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kreloc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a kreloc error about @what (a file name or an option). */
void cli_err_kreloc(const char *cmd, const char *what, int err)
{
	cli_err(cmd, "%s: %s (%s)", what, kreloc_strerror(err), kreloc_errname(err));
}

/* Read a whole file into malloc()ed memory.  0, or -1 after printing why. */
int cli_read_file(const char *cmd, const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		cli_err(cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			uint8_t *q = ncap > cap ? realloc(p, ncap) : NULL;

			if (!q) {
				cli_err(cmd, "%s: out of memory", path);
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
		cli_err(cmd, "%s: read error: %s", path, strerror(errno));
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
int cli_write_atomic(const char *cmd, const char *path, const uint8_t *buf, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	mode_t mask;
	size_t done = 0;
	int fd;

	if (!tmp) {
		cli_err(cmd, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_err(cmd, "%s: cannot create temporary file: %s", path, strerror(errno));
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
	cli_err(cmd, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/* Parse a number with an optional K/M/G/T (binary) suffix.  0 or -1. */
int cli_parse_size(const char *s, uint64_t *out)
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

int cli_parse_cpus(const char *cmd, const char *s, uint64_t *options)
{
	size_t len = strlen(s);
	unsigned long n = 0;

	/* Two digits at most, and only digits: strtoul() alone would take
	 * " 4" and "+4", and wrap "-1". */
	if (len && len <= 2 && strspn(s, "0123456789") == len)
		n = strtoul(s, NULL, 10);
	if (n < 1 || n > KRELOC_OPT_CPUS_MAX) {
		cli_err(cmd, "--cpus: '%s' is not a number from 1 to %d", s, KRELOC_OPT_CPUS_MAX);
		return KRELOC_EXIT_USAGE;
	}
	*options = (*options & ~KRELOC_OPT_CPUS_MASK) | (uint64_t)n << KRELOC_OPT_CPUS_SHIFT;
	return 0;
}

void cli_hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---- JSON output helpers ----------------------------------------------- */

void cli_json_str(FILE *f, const char *s, size_t n)
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

void cli_json_cstr(FILE *f, const char *s)
{
	cli_json_str(f, s, strlen(s));
}
