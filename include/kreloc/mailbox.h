/* SPDX-License-Identifier: MIT */
/*
 * mailbox.h - the relocation counter mailbox, shared by C and assembly.
 *
 * A property of the next kernel's /chosen that the trampoline fills with
 * three (counter, instructions) pairs of 64-bit big-endian values, like FDT
 * cells: at trampoline entry, after the last copy, and just before the jump
 * to the kernel.  Counter is CNTVCT_EL0; instructions is PMEVCNTR0 counting
 * INST_RETIRED (0 when the PMU cannot).  #defines only.
 */
#ifndef KRELOC_MAILBOX_H
#define KRELOC_MAILBOX_H

#define KRELOC_MAILBOX_PROP	"kreloc,relocate-counters"
#define KRELOC_MAILBOX_SIZE	48

#define KRELOC_STAMP_ENTRY	0
#define KRELOC_STAMP_COPIED	1
#define KRELOC_STAMP_EXIT	2

#endif /* KRELOC_MAILBOX_H */
