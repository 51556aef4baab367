/* SPDX-License-Identifier: MIT */
/*
 * shim.h - internal interfaces of the kreloc reference shim.
 */
#ifndef KRELOC_SHIM_H
#define KRELOC_SHIM_H

#include <kreloc/kreloc_env.h>
#include <stdarg.h>

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))

/* libc.c: what the shim's code uses beyond <kreloc/kreloc_env.h> */
size_t strlen(const char *s);

/* console.c */
void console_init(uint64_t pl011_base);
void shim_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void shim_vprintf(const char *fmt, va_list ap);

/* psci.c */
void psci_init(char method);
/* The conduit from the device tree: 'h' (HVC), 's' (SMC) or 0 (none found). */
char psci_conduit(void);
/*
 * A PSCI call: function @fn (asm/sysreg.h), arguments @a1-@a3.  Returns
 * its result (0 or a PSCI_RET_* below, or a value such as the version),
 * PSCI_RET_NOT_SUPPORTED without a conduit.
 */
int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
#define PSCI_RET_NOT_SUPPORTED		(-1)
#define PSCI_RET_INVALID_PARAMETERS	(-2)
#define PSCI_RET_DENIED			(-3)
#define PSCI_RET_ALREADY_ON		(-4)
#define PSCI_RET_ON_PENDING		(-5)
#define PSCI_RET_INTERNAL_FAILURE	(-6)
#define PSCI_RET_INVALID_ADDRESS	(-9)
/*
 * KRELOC_OPT_FAIL_RESET, once the bundle is parsed: shim_stop() resets
 * instead of powering off.  Before that the option is unknown: a failure
 * powers off (a bundle that cannot be parsed cannot ask for anything).
 */
void psci_fail_reset(bool reset);
void __attribute__((noreturn)) shim_power_off(void);
/* A failure's end: PSCI SYSTEM_RESET under psci_fail_reset(), else SYSTEM_OFF. */
void __attribute__((noreturn)) shim_stop(void);
/* Print "kreloc-shim-error: E_NAME: text (context)" and shim_stop(). */
void __attribute__((noreturn)) shim_fail(int err, const char *context);

/* cache maintenance: asm/cache.h */
#include <asm/cache.h>

/* main.c */
/* kreloc_phys_read_fn for the shim's identity map: @pa itself. */
const void *shim_phys_read(void *ctx, uint64_t pa, uint64_t len);
void __attribute__((noreturn)) shim_main(void *fdt, uint64_t el, uint64_t base, uint64_t hcr_el2);
void __attribute__((noreturn)) shim_exception(uint64_t kind);

/* linker symbols */
extern char _image_start[], _text_end[], _file_end[], _end[], __bss_start[];

#endif /* KRELOC_SHIM_H */
