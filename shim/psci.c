// SPDX-License-Identifier: MIT
/*
 * psci.c - power off through PSCI, the conduit taken from the device tree.
 */
#include <asm/sysreg.h>
#include <kreloc/error.h>
#include "shim.h"

static char conduit;	/* 'h' = HVC, 's' = SMC, 0 = unknown */

void psci_init(char method)
{
	conduit = method;
}

void shim_power_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	if (conduit == 'h')
		__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	else if (conduit == 's')
		__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	/* No PSCI, or it refused: park the CPU. */
	for (;;)
		__asm__ volatile("wfi");
}

void shim_fail(int err, const char *context)
{
	shim_printf("kreloc-shim-error: %s: %s (%s)\n", kreloc_errname(err),
		    kreloc_strerror(err), context);
	shim_power_off();
}
