// SPDX-License-Identifier: MIT
/*
 * test_fdt_walk.c - the library's own walks of the structure block
 * (lib/fdt_priv.h): kreloc_fdt_check_find() and kreloc_fdt_parent() give
 * what libfdt's path and parent lookups give, on built trees and on the
 * QEMU fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>

#include "fdt_build.h"
#include "../../lib/fdt_priv.h"

static const char *const fixtures[] = {
	"tests/fdt/qemu-virt.dtb", "tests/fdt/qemu-virt-el2.dtb", "tests/fdt/qemu-virt-gicv3.dtb",
};

/* Root children that look alike, and one "chosen" deeper down. */
static void b_lookalikes(void)
{
	b_root(2, 2);
	b_node("a");
	b_node("chosen");
	b_end();
	b_end();
	b_node("chosenx");
	b_end();
	b_node("chose");
	b_end();
	b_node("chosen@0");
	b_str("bootargs", "first");
	b_end();
	b_node("chosen");
	b_end();
	b_finish();
}

static int find(const char *name)
{
	int node = 12345;

	assert_int_equal(kreloc_fdt_check_find(T, name, &node), 0);
	return node;
}

static void test_find_like_libfdt(void **state)
{
	static const char *const names[] = {
		"a", "chosen", "chosen@0", "chosen@1", "chosenx", "chose", "chos", "missing",
	};
	char path[32];
	int node = 12345;

	(void)state;
	b_lookalikes();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/%s", names[i]);
		assert_int_equal(find(names[i]), fdt_path_offset(T, path));
	}
	/* the first match, with or without a unit address */
	assert_int_equal(find("chosen"), fdt_path_offset(T, "/chosen@0"));
	assert_int_equal(find("missing"), -FDT_ERR_NOTFOUND);
	/* no name: the check alone, @node untouched */
	assert_int_equal(kreloc_fdt_check_find(T, NULL, &node), 0);
	assert_int_equal(node, 12345);
	assert_int_equal(kreloc_fdt_check_find(NULL, "chosen", &node), KRELOC_E_INVAL);
}

static void test_find_fixtures(void **state)
{
	char path[256];

	(void)state;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		int node, depth = 0, n = 0;

		assert_true(load_file(fixtures[f], T, sizeof(g_tree.b)) > 0);
		for (node = fdt_next_node(T, 0, &depth); node >= 0 && depth > 0;
		     node = fdt_next_node(T, node, &depth)) {
			const char *name = fdt_get_name(T, node, NULL);

			if (depth != 1)
				continue;
			snprintf(path, sizeof(path), "/%s", name);
			assert_int_equal(find(name), fdt_path_offset(T, path));
			n++;
		}
		assert_true(n > 5);
		assert_true(find("chosen") > 0);
	}
}

static void test_find_refuses_bad_framing(void **state)
{
	int node;

	(void)state;
	b_lookalikes();
	/* the structure block cut short: no FDT_END */
	fdt_set_size_dt_struct(T, fdt_size_dt_struct(T) - 4);
	assert_int_equal(kreloc_fdt_check_find(T, "chosen", &node), KRELOC_E_FDT);
	assert_int_equal(kreloc_fdt_check_blob(T), KRELOC_E_FDT);
}

/* kreloc_fdt_parent() against fdt_parent_offset() for every node of T. */
static void parents_like_libfdt(void)
{
	int node, depth = 0, n = 0;

	assert_int_equal(kreloc_fdt_parent(T, 0), -FDT_ERR_NOTFOUND);
	for (node = fdt_next_node(T, 0, &depth); node >= 0 && depth > 0;
	     node = fdt_next_node(T, node, &depth)) {
		assert_int_equal(kreloc_fdt_parent(T, node), fdt_parent_offset(T, node));
		n++;
	}
	assert_true(n > 0);
}

static void test_parent(void **state)
{
	int prop;

	(void)state;
	b_lookalikes();
	parents_like_libfdt();
	/* offsets where no node begins */
	prop = fdt_first_property_offset(T, 0);
	assert_true(prop > 0);
	assert_true(kreloc_fdt_parent(T, prop) < 0);
	assert_true(kreloc_fdt_parent(T, 1) < 0);
	assert_true(kreloc_fdt_parent(T, -1) < 0);
	assert_true(kreloc_fdt_parent(T, (int)fdt_size_dt_struct(T)) < 0);
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		assert_true(load_file(fixtures[f], T, sizeof(g_tree.b)) > 0);
		parents_like_libfdt();
	}
}

/* Deeper than the walk keeps: libfdt's lookup takes over, same answers. */
static void test_parent_deep(void **state)
{
	(void)state;
	b_root(2, 2);
	for (int i = 0; i < 40; i++) {
		b_node("n");
		b_str("status", "okay");
	}
	for (int i = 0; i < 40; i++)
		b_end();
	b_finish();
	parents_like_libfdt();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_like_libfdt),
		cmocka_unit_test(test_find_fixtures),
		cmocka_unit_test(test_find_refuses_bad_framing),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_parent_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
