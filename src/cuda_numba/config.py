"""Launch sizes. The simulator runs every GPU thread as a Python thread, so
it gets small blocks and few of them; tests may shrink them further."""

from __future__ import annotations

from .operands import SIMULATOR

#: Threads per block (a power of two: reductions halve it in their trees).
BLOCK = 8 if SIMULATOR else 256
#: Most blocks a grid-stride loop launches.
MAX_BLOCKS = 2 if SIMULATOR else 4096
#: Reductions over at most this many elements per output run one thread per output.
PER_THREAD_MAX = 8 if SIMULATOR else 64
#: Elements each thread of a reduction block folds, at least (fewer blocks, less to combine).
MIN_PER_THREAD = 4 if SIMULATOR else 16
#: Most chunks (blocks) per output of a reduction; one block then merges them.
MAX_CHUNKS = 4 if SIMULATOR else 1024
#: Cumulative ops cut rows longer than this into chunks scanned in parallel, from
#: the combined totals of the chunks before (the C++ engine's kChunk: the same bits).
SCAN_CHUNK = 16 if SIMULATOR else 1 << 16


def grid(n: int) -> int:
    """Blocks of BLOCK threads for a grid-stride loop over ``n`` items."""
    return max(1, min(-(-n // BLOCK), MAX_BLOCKS))
