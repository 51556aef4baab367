/* SPDX-License-Identifier: MIT */
/*
 * pl011.h - the PL011 registers kreloc writes a console line through, from
 * C (shim/console.c) and from the trampoline (relocate.S).  #defines only.
 */
#ifndef KRELOC_ASM_PL011_H
#define KRELOC_ASM_PL011_H

#define PL011_DR		0x00	/* data register */
#define PL011_FR		0x18	/* flag register */
#define PL011_FR_TXFF_BIT	5	/* transmit FIFO full */

#endif /* KRELOC_ASM_PL011_H */
