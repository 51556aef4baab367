/* SPDX-License-Identifier: MIT */
/*
 * shim.lds - layout of the kreloc shim, an arm64 Image.
 *
 * Linked position-independent at 0: head.S applies the R_AARCH64_RELATIVE
 * relocations for wherever a loader put us.  image_size in the header covers
 * everything up to _end, BSS, stack and .noinit included, as the boot protocol asks;
 * scripts/set-image-size writes it after the link.
 */
OUTPUT_FORMAT("elf64-littleaarch64")
OUTPUT_ARCH(aarch64)
ENTRY(_start)

SECTIONS
{
	. = 0;
	_image_start = .;
	.head : { KEEP(*(.head.text)) }
	.text : {
		*(.text .text.*)
	}
	/* Copied into a control page before use; relocate.S checks its size. */
	.trampoline : { KEEP(*(.kreloc.trampoline)) }
	/* Code ends on a page: the shim maps [_image_start, _text_end) executable. */
	. = ALIGN(4096);
	_text_end = .;
	. = ALIGN(16);
	.rodata : { *(.rodata .rodata.*) }
	.data.rel.ro : { *(.data.rel.ro .data.rel.ro.*) }
	.got : { *(.got .got.*) }
	.data : { *(.data .data.*) }
	. = ALIGN(8);
	.rela.dyn : {
		__rela_start = .;
		*(.rela .rela.*)
		__rela_end = .;
	}
	.dynamic : { *(.dynamic) }
	/* Pad the file to a page so BSS starts exactly where the file ends. */
	.pad : { BYTE(0); . = ALIGN(4096); }
	_file_end = .;
	.bss (NOLOAD) : {
		__bss_start = .;
		*(.bss .bss.* COMMON)
		. = ALIGN(16);
		__stack_bottom = .;
		. += 0x10000;
		__stack_top = .;
		. = ALIGN(4096);
		__bss_end = .;
	}
	/*
	 * Not zeroed by anyone: buffers written before they are read, with the
	 * MMU on (shim/main.c).  image_size still covers them.
	 */
	.noinit (NOLOAD) : {
		*(.noinit .noinit.*)
		. = ALIGN(4096);
	}
	_end = .;

	/DISCARD/ : { *(.interp .dynsym .dynstr .hash .gnu.hash .note.* .comment .eh_frame*) }
}

ASSERT(__bss_start == _file_end, "file contents must end where BSS starts")
