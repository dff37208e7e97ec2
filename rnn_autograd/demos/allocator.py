"""The command-line tools' allocator setting: keep freed memory for reuse where glibc allocates.

A forward+backward at the benchmark's large size makes and frees many temporaries of a megabyte
or more. glibc's malloc serves an allocation above its mmap threshold with fresh pages from the
kernel, and gives freed memory at the top of its heap back to the kernel once more than its trim
threshold is free, so the next call takes the page faults again (the autograd LSTM twin: tens of
thousands per forward+backward at the large size; benchmarks/README.md has the numbers). A
command owns its process and may tell glibc to keep that memory. The library never changes the
allocator of a process it is imported into: only the commands' `main()` call
`keep_freed_memory()`.

The same text is in `rnn_autograd/gradcheck/allocator.py` (for rnn-gradcheck) and in
`rnn_autograd/demos/allocator.py` (for the demos' commands): the checker and the demos may not
import each other, and no layer below them is about processes. tests/test_allocator.py keeps the
two copies equal.
"""
import ctypes
import os

M_TRIM_THRESHOLD = -1   # mallopt's parameter numbers, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024     # glibc's largest accepted value on 64-bit systems
TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024   # keep up to 1 GB of freed memory in the heap
ENVIRONMENT_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def keep_freed_memory():
    """Ask glibc's malloc to serve blocks up to 32 MB from its heap and keep freed memory.

    Calls mallopt(M_MMAP_THRESHOLD, 32 MB) and mallopt(M_TRIM_THRESHOLD, 1 GB). Does nothing
    where the C library is not glibc (macOS, Windows, musl), and nothing when the user already
    chose with MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ in the environment.

    Returns:
    - True if both settings were made, False if nothing was changed
    """
    if any(name in os.environ for name in ENVIRONMENT_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)        # the C library this process already runs on
        libc.gnu_get_libc_version       # only glibc has it, and only glibc's mallopt takes these
        mallopt = libc.mallopt
    except (OSError, TypeError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
            and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1)
