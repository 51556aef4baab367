/* SPDX-License-Identifier: MIT */
/*
 * sysroot_fixture.h - shared by test_os.c and test_phases.c: a fake system
 * root for the CLI's Linux seam (tools/os.h).  The group set-up makes a
 * temporary directory and points KRELOC_SYSROOT at it before any test runs
 * (os_root() reads it once); sysroot_put() writes a file below it, making
 * its directories; the group teardown removes the whole tree.  Pass
 * sysroot_setup and sysroot_teardown to cmocka_run_group_tests().
 * Include once, after cmocka.h.
 */
#ifndef KRELOC_TEST_SYSROOT_FIXTURE_H
#define KRELOC_TEST_SYSROOT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The fake root's path, set by sysroot_setup(). */
static char sysroot[256];

/* Write @len bytes of @data as SYSROOT@rel, making its directories. */
static void sysroot_put(const char *rel, const void *data, size_t len)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", sysroot, rel);
	for (slash = strchr(path + strlen(sysroot) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int sysroot_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(sysroot, sizeof(sysroot), "%s/kreloc-sysroot-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(sysroot))
		return -1;
	return setenv("KRELOC_SYSROOT", sysroot, 1);
}

static int sysroot_teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	return system(cmd) ? -1 : 0;
}

#endif /* KRELOC_TEST_SYSROOT_FIXTURE_H */
