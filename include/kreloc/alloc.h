/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the page allocator contract.
 *
 * kreloc allocates nothing itself: every page it needs (source copies,
 * entry-list pages, translation tables, the trampoline's control page) comes
 * from a callback the embedder supplies.
 */
#ifndef KRELOC_ALLOC_H
#define KRELOC_ALLOC_H

#include <kreloc/kreloc_env.h>

/**
 * typedef kreloc_alloc_fn - supply one block of memory to kreloc.
 * @ctx:  the embedder's cookie, passed through unchanged
 * @size: a power of two >= 4096
 * @pa:   out: the block's physical address, aligned to @size
 *
 * Contract: returns a pointer through which kreloc may read and write the
 * whole block (on an identity-mapped loader, (void *)pa; in a simulator, the
 * model's backing store), with every byte zero.  The block stays valid and
 * untouched by anyone else until the hand-off.  Returns NULL when nothing is
 * left; kreloc then fails with KRELOC_E_NOMEM.  kreloc never frees: blocks it
 * rejects (because they collide with a destination) are set aside, counted,
 * and not returned to the allocator.  The callback must not call back into kreloc.
 */
typedef void *(*kreloc_alloc_fn)(void *ctx, uint64_t size, uint64_t *pa);

/**
 * typedef kreloc_phys_read_fn - read access to physical memory.
 * @ctx: the embedder's cookie, passed through unchanged
 * @pa:  physical address of the first byte wanted
 * @len: number of bytes wanted (callers never ask across a 4 KiB page
 *       boundary unless the range was handed out as one block)
 *
 * Used by the checkers (entry list, translation tables) to read structures
 * that live at physical addresses: on an identity-mapped loader it returns
 * (const void *)pa, in a simulator a pointer into the model.  The pointer
 * need only stay valid until the next call.
 *
 * Return: a pointer to @len readable bytes, or NULL when the range is not
 * accessible (the checker then reports the structure as malformed).
 */
typedef const void *(*kreloc_phys_read_fn)(void *ctx, uint64_t pa, uint64_t len);

#endif /* KRELOC_ALLOC_H */
