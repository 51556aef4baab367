/* SPDX-License-Identifier: MIT */
/*
 * mailbox.h - the relocation counter mailbox, shared by C and assembly.
 *
 * A property of the next kernel's /chosen, six slots of two 64-bit
 * big-endian values each, like FDT cells.  The trampoline fills every slot
 * after the copy (the mailbox lies in the copied tree), so a kernel that
 * finds it zero came through no kreloc trampoline.
 *
 * Slots 0-2, (counter, instructions) sampled by the trampoline: at its
 * entry, after the last copy, and just before the jump to the kernel.
 * Counter is CNTVCT_EL0; instructions is PMEVCNTR0 counting INST_RETIRED
 * (32 bits wide; 0 when the PMU cannot).
 *
 * Slots 3-5, what the embedder knew before the point of no return, copied
 * by the trampoline from its parameter block (kreloc_reloc_record(),
 * asm/reloc.h); all zero when the embedder recorded nothing:
 *   3  (counter, instructions) when the embedder was entered: the start of
 *      the relocation phase, as the trampoline's jump is its end
 *   4  (bytes copied with the MMU on, bytes copied with it off)
 *   5  (KRELOC_MAILBOX_F_* flags, CPUs that copied)
 *
 * #defines only.
 */
#ifndef KRELOC_MAILBOX_H
#define KRELOC_MAILBOX_H

#define KRELOC_MAILBOX_PROP	"kreloc,relocate-counters"
#define KRELOC_MAILBOX_SLOTS	6
#define KRELOC_MAILBOX_SLOT_SIZE 16
#define KRELOC_MAILBOX_SIZE	96	/* KRELOC_MAILBOX_SLOTS * KRELOC_MAILBOX_SLOT_SIZE */

#define KRELOC_STAMP_ENTRY	0
#define KRELOC_STAMP_COPIED	1
#define KRELOC_STAMP_EXIT	2
#define KRELOC_STAMP_EMBEDDER	3	/* the first slot copied from the parameter block */
#define KRELOC_MAILBOX_BYTES	4
#define KRELOC_MAILBOX_FLAGS	5

#define KRELOC_MAILBOX_F_VERIFIED	1	/* the staged payload matched its SHA-256 digests */

#endif /* KRELOC_MAILBOX_H */
