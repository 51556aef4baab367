/* SPDX-License-Identifier: MIT */
/*
 * loader.h - the minimal loader's own pieces (env.c, start.S).
 */
#ifndef MINIMAL_LOADER_H
#define MINIMAL_LOADER_H

#include <asm/cache.h>	/* libkreloc's cache maintenance by address */
#include <kreloc/error.h>
#include <kreloc/kreloc_env.h>

/* Linker symbols (loader.lds). */
extern char _start_image[], _end[];

/* Console (PL011) and PSCI. */
void ldr_console(uint64_t pl011);
void ldr_puts(const char *s);
void ldr_hex(uint64_t v);
void ldr_dec(uint64_t v);
void ldr_psci(int method);
void __attribute__((noreturn)) ldr_power_off(void);
/* "minimal-loader: error: E_NAME: text (what)", then power off. */
void __attribute__((noreturn)) ldr_fail(int err, const char *what);

void __attribute__((noreturn)) loader_main(void *fdt, uint64_t el);

#endif /* MINIMAL_LOADER_H */
