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

/* kreloc_fdt_next_node_prop() against fdt_next_node() and fdt_getprop() over T. */
static void props_like_libfdt(const char *name)
{
	int node = 0, depth = 0, want_depth = 0, n = 0;

	for (;;) {
		int want = fdt_next_node(T, node, &want_depth), len, want_len, d = depth;
		const void *val, *want_val;

		node = kreloc_fdt_next_node_prop(T, node, &d, name, &val, &len);
		if (want < 0 || want_depth <= 0) {
			assert_int_equal(node, -FDT_ERR_NOTFOUND);
			break;
		}
		depth = d;
		want_val = fdt_getprop(T, want, name, &want_len);
		assert_int_equal(node, want);
		assert_int_equal(depth, want_depth);
		assert_ptr_equal(val, want_val);
		assert_int_equal(len, want_len);
		/* and the property alone */
		assert_ptr_equal(kreloc_fdt_getprop(T, want, name, &len), want_val);
		assert_int_equal(len, want_len);
		n++;
	}
	assert_true(n > 0);
}

static void test_next_node_prop(void **state)
{
	static const char *const names[] = {
		"compatible", "device_type", "status", "reg", "compat", "compatiblex", "",
		"nothing-has-this",
	};
	const void *val;
	int depth, len;

	(void)state;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		assert_true(load_file(fixtures[f], T, sizeof(g_tree.b)) > 0);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			props_like_libfdt(names[i]);
		/* from the root itself, as fdt_node_offset_by_compatible() starts */
		assert_int_equal(kreloc_fdt_next_node_prop(T, -1, &depth, "compatible", &val, &len), 0);
		assert_int_equal(depth, 0);
		assert_ptr_equal(val, fdt_getprop(T, 0, "compatible", NULL));
	}
	/* a repeated name: the first, as fdt_getprop() */
	b_root(2, 2);
	b_node("a");
	b_str("status", "okay");
	b_str("status", "disabled");
	b_node("b");
	b_end();
	b_end();
	b_node("c");
	b_end();
	b_finish();
	props_like_libfdt("status");
	props_like_libfdt("#size-cells");
	/* not where a node begins */
	depth = 0;
	assert_true(kreloc_fdt_next_node_prop(T, 1, &depth, "status", &val, &len) < 0);
	assert_true(kreloc_fdt_next_node_prop(T, fdt_first_property_offset(T, 0), &depth, "status",
					      &val, &len) < 0);
	assert_true(kreloc_fdt_next_node_prop(T, (int)fdt_size_dt_struct(T), &depth, "status",
					      &val, &len) < 0);
	assert_null(kreloc_fdt_getprop(T, 1, "status", &len));
	assert_int_equal(len, -FDT_ERR_BADOFFSET);
	assert_null(kreloc_fdt_getprop(T, -1, "status", NULL));
	assert_null(kreloc_fdt_getprop(T, (int)fdt_size_dt_struct(T), "status", NULL));
}

/* A property name running off the end of the strings block matches nothing, as in libfdt. */
static void test_next_node_prop_bad_name(void **state)
{
	static const char *const names[] = { "#address-cells", "#size-cells", "zzz-last" };

	(void)state;
	b_root(2, 2);
	b_node("a");
	b_str("zzz-last", "x");
	b_end();
	b_finish();
	/* drop the NUL of the last name in the strings block */
	fdt_set_size_dt_strings(T, fdt_size_dt_strings(T) - 1);
	assert_int_equal(kreloc_fdt_check_blob(T), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const void *val;
		int depth, len;

		props_like_libfdt(names[i]);
		assert_int_equal(kreloc_fdt_next_node_prop(T, -1, &depth, names[i], &val, &len), 0);
		assert_ptr_equal(val, fdt_getprop(T, 0, names[i], NULL));
	}
}

static void path_like_libfdt(const char *path)
{
	int parent, node = kreloc_fdt_path(T, path, strlen(path), &parent);

	assert_int_equal(node, fdt_path_offset(T, path));
	/* the parent met on the way, for a node below the root found by its path */
	if (node > 0 && path[0] == '/')
		assert_int_equal(parent, fdt_parent_offset(T, node));
}

static void test_path(void **state)
{
	static const char *const paths[] = {
		"/", "//", "/a", "//a//", "/a/chosen", "/a/chosen/", "/chosen", "/chosen@0",
		"/chosen@1", "/chosenx", "/chose", "/missing", "/a/missing", "/chosen@0/x",
		"/a/chosen/deeper", "alias", "",
	};
	char path[256];

	(void)state;
	b_lookalikes();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		path_like_libfdt(paths[i]);
	/* a length short of the string: the stdout-path's options cut off */
	assert_int_equal(kreloc_fdt_path(T, "/chosen@0:115200", 9, NULL),
			 fdt_path_offset(T, "/chosen@0"));
	/* every node of the fixtures by its full path, and an alias */
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		int node, depth = 0;

		assert_true(load_file(fixtures[f], T, sizeof(g_tree.b)) > 0);
		for (node = fdt_next_node(T, 0, &depth); node >= 0 && depth > 0;
		     node = fdt_next_node(T, node, &depth)) {
			assert_int_equal(fdt_get_path(T, node, path, sizeof(path)), 0);
			path_like_libfdt(path);
			assert_int_equal(kreloc_fdt_path(T, path, strlen(path), NULL), node);
		}
	}
	b_root(2, 2);
	b_node("aliases");
	b_str("serial0", "/soc/uart@1000");
	b_end();
	b_node("soc");
	b_node("uart@1000");
	b_end();
	b_end();
	b_finish();
	path_like_libfdt("serial0");
	path_like_libfdt("/soc/uart");
	assert_true(kreloc_fdt_path(T, "serial0", 7, NULL) > 0);
}

static void test_name_matches(void **state)
{
	(void)state;
	assert_true(kreloc_fdt_name_matches("chosen", 6, "chosen", 6));
	assert_true(kreloc_fdt_name_matches("chosen@0", 8, "chosen", 6));
	assert_true(kreloc_fdt_name_matches("chosen@0", 8, "chosen@0", 8));
	assert_false(kreloc_fdt_name_matches("chosen@0", 8, "chosen@1", 8));
	assert_false(kreloc_fdt_name_matches("chosen@0", 8, "chosen@", 7));
	assert_false(kreloc_fdt_name_matches("chosenx", 7, "chosen", 6));
	assert_false(kreloc_fdt_name_matches("chose", 5, "chosen", 6));
	assert_false(kreloc_fdt_name_matches("uart@1@2", 8, "uart@1", 6));
}

/* NOPs where a node was, and a property after a subnode: stepped over as libfdt does. */
static void test_walks_step_over_nops(void **state)
{
	int node, p;

	(void)state;
	b_root(2, 2);
	b_node("gone");
	b_str("device_type", "memory");
	b_node("kid");
	b_end();
	b_end();
	b_node("p");
	b_node("kid");
	b_end();
	b_str("late", "x");
	b_end();
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_node("chosen");
	b_end();
	b_finish();
	node = fdt_path_offset(T, "/gone");
	assert_int_equal(fdt_nop_node(T, node), 0);
	assert_int_equal(kreloc_fdt_check_blob(T), 0);
	props_like_libfdt("device_type");
	props_like_libfdt("late");
	parents_like_libfdt();
	path_like_libfdt("/gone");
	path_like_libfdt("/p/kid");
	path_like_libfdt("/chosen");
	assert_int_equal(find("chosen"), fdt_path_offset(T, "/chosen"));
	p = fdt_path_offset(T, "/memory@40000000");
	assert_true(p > 0);
	assert_int_equal(kreloc_fdt_parent(T, p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_like_libfdt),
		cmocka_unit_test(test_find_fixtures),
		cmocka_unit_test(test_find_refuses_bad_framing),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_parent_deep),
		cmocka_unit_test(test_next_node_prop),
		cmocka_unit_test(test_next_node_prop_bad_name),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_name_matches),
		cmocka_unit_test(test_walks_step_over_nops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
