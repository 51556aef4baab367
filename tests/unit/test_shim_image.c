// SPDX-License-Identifier: MIT
/*
 * test_shim_image.c - the shim is itself a valid arm64 Image: any loader
 * that follows the boot protocol can start it.  Reads build/shim.Image and
 * build/arm64/shim.elf.map (make check builds both first; tests run from
 * the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/image.h>

/* The shim is well under this; a larger file fails the read below. */
static uint8_t image_buf[4 << 20];

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*len = fread(image_buf, 1, sizeof(image_buf), f);
	assert_true(*len > 0 && *len < sizeof(image_buf));
	fclose(f);
	return image_buf;
}

/* The link map's value of symbol @name (e.g. "_end"). */
static uint64_t map_symbol(const char *name)
{
	FILE *f = fopen("build/arm64/shim.elf.map", "r");
	char line[512];
	uint64_t v = 0;
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char sym[128];

		if (sscanf(line, " 0x%llx %127s", &addr, sym) == 2 && strcmp(sym, name) == 0) {
			v = addr;
			found = true;
		}
	}
	fclose(f);
	assert_true(found);
	return v;
}

static void test_header_is_valid_image(void **state)
{
	struct kreloc_image_info info;
	size_t len;
	uint8_t *img = slurp("build/shim.Image", &len);

	(void)state;
	assert_int_equal(kreloc_image_parse(img, len, &info), 0);
	assert_false(info.legacy);
	assert_int_equal(info.text_offset, 0);
	/* little-endian, page size unspecified, placement anywhere */
	assert_int_equal(info.flags, KRELOC_IMAGE_FLAG_ANYWHERE);
	assert_true(info.anywhere);
	assert_int_equal(info.page_shift, 0);
	/* runs on any CPU whatever granules it has */
	assert_int_equal(kreloc_image_check_cpu(&info, 1U << 12), 0);
}

static void test_image_size_covers_bss_and_stack(void **state)
{
	struct kreloc_image_info info;
	size_t len;
	uint8_t *img = slurp("build/shim.Image", &len);

	(void)state;
	assert_int_equal(kreloc_image_parse(img, len, &info), 0);
	assert_int_equal(info.image_size, map_symbol("_end"));
	assert_true(info.image_size >= map_symbol("__stack_top"));
	assert_true(info.image_size > len);
	assert_int_equal(len, map_symbol("__bss_start"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_is_valid_image),
		cmocka_unit_test(test_image_size_covers_bss_and_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
