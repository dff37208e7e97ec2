"""Where the implementation under test runs: in a worker process of its own (the default), or
in this process (for a module object, or `in_process=True`).

The checker computes inputs and the autograd reference in its own process and hands the
executor plain arrays; the executor calls the implementation and hands back plain data. A
cache the implementation builds never leaves the process it was built in: the checker gets a
`CacheRef` and passes it back to the backward.

The worker process:
- is started with `multiprocessing` (fork where the platform has it, spawn elsewhere), in a
  session of its own, so that a hang is ended by killing its whole process group;
- gets a memory cap (`resource.setrlimit(RLIMIT_AS)`, where the platform has it);
- has its file descriptors 1 and 2 pointed at a file, so nothing the implementation prints
  (print, os.write(1, ...), a child process) reaches the checker's output;
- answers over a pipe in a format that holds only JSON and `.npy` arrays read with
  allow_pickle=False: nothing the implementation builds is unpickled in the checker.
The standard library's multiprocessing does the job here: one long-lived worker per checked
implementation with a request/answer pipe, which pools (concurrent.futures, pebble, loky) do
not model: their tasks cannot keep a cache alive between two calls.
"""
import json
import multiprocessing
import os
import signal
import struct
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from rnn_autograd.gradcheck.calling import Outcome, call

DEFAULT_MEMORY_LIMIT = 4 * 2**30   # bytes the worker may map beyond its start (plenty here)
START_TIMEOUT = 60.0               # seconds for the worker to start and import the implementation
_READ_ONLY_MESSAGE = "read-only"


@dataclass(frozen=True)
class CacheRef:
    """Stands for a cache that stays inside the executor (the implementation's own object)."""
    id: int


@dataclass(frozen=True)
class Foreign:
    """A returned value that is not an array, a number or None: only its type crosses over."""
    type_name: str


# -- the executor interface, and its in-process form -------------------------------------------

def take_snapshot(structure):
    """[(path, array, copy of it)] of every numpy array inside a cache, for later comparison."""
    snapshot = []

    def walk(item, path):
        if isinstance(item, np.ndarray):
            snapshot.append((path, item, item.copy()))
        elif isinstance(item, dict):
            for key, value in item.items():
                walk(value, f"{path}[{key!r}]")
        elif isinstance(item, (tuple, list)):
            for position, value in enumerate(item):
                walk(value, f"{path}[{position}]")

    walk(structure, "cache")
    return snapshot


def same_array(array, copy):
    """Same shape and values (NaN equal to NaN)?"""
    if not isinstance(array, np.ndarray) or array.shape != copy.shape:
        return False
    return bool(np.array_equal(array, copy, equal_nan=array.dtype.kind in "fc"))


def changed(snapshot):
    """Paths of the snapshotted arrays whose values changed since the snapshot."""
    return [path for path, array, copy in snapshot if not same_array(array, copy)]



class _Calls:
    """Call the implementation's functions on plain arrays; keep caches; watch for writes."""

    def __init__(self, module, home, time_limit=None, catch_interrupt=False):
        self.functions = {name: getattr(module, name) for name in dir(module)
                          if callable(getattr(module, name, None)) and not name.startswith("__")}
        self.home = home
        self.time_limit = time_limit
        self.catch_interrupt = catch_interrupt
        self.caches = {}      # id -> the cache object
        self.snapshots = {}   # id -> [(path, array, copy)]
        self.next_id = 0

    def call(self, name, args, writable=False, keep_cache=False):
        given = []
        for arg in args:
            if isinstance(arg, CacheRef):
                given.append(self.caches.get(arg.id))
            else:
                copy = np.array(arg, copy=True)
                copy.setflags(write=writable)
                given.append(copy)
        originals = [np.array(arg, copy=True) if not isinstance(arg, CacheRef) else None
                     for arg in args]
        outcome = call(self.functions[name], given, time_limit=self.time_limit, home=self.home,
                       catch_interrupt=self.catch_interrupt)
        outcome.written = [index for index, (copy, original) in enumerate(zip(given, originals))
                           if original is not None and not same_array(copy, original)]
        if keep_cache and outcome.error_type is None and isinstance(outcome.value, (tuple, list)) \
                and len(outcome.value) > 1 and outcome.value[-1] is not None:
            self.next_id += 1
            self.caches[self.next_id] = outcome.value[-1]
            outcome.value = type(outcome.value)(list(outcome.value[:-1]) + [CacheRef(self.next_id)])
        return outcome

    def freeze(self, ref, read_only=True):
        """Snapshot every array inside the cache (and make them read-only)."""
        snapshot = take_snapshot(self.caches.get(ref.id))
        if read_only:
            for _, array, _ in snapshot:
                array.setflags(write=False)
        self.snapshots[ref.id] = snapshot

    def changed(self, ref):
        """Paths of the cache's arrays that changed since freeze()."""
        return changed(self.snapshots.get(ref.id, []))

    def release_all(self):
        self.caches.clear()
        self.snapshots.clear()


class InProcess(_Calls):
    """The implementation runs in this process: fastest, but it can touch the checker."""

    def __init__(self, module, label, home, notes, time_limit=None):
        super().__init__(module, home, time_limit)
        self.module = module
        self.label = label
        self.notes = notes
        self.defined = sorted(name for name in dir(module) if not name.startswith("__"))

    def close(self):
        self.release_all()


# -- the wire format: JSON header and .npy arrays ----------------------------------------------

def _pack(value, arrays):
    """A returned value as JSON, its arrays appended to `arrays`."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, CacheRef):
        return {"t": "cache", "id": value.id}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__ if type(value) in (tuple, list) else "tuple",
                "items": [_pack(item, arrays) for item in value]}
    if isinstance(value, (np.ndarray, np.generic)) \
            and np.asarray(value).dtype.kind in _NUMERIC_KINDS:
        arrays.append(np.asarray(value))
        return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "i": len(arrays) - 1}
    if isinstance(value, bool):
        return {"t": "foreign", "type": "bool"}
    if type(value) in (float, int):
        return {"t": "python", "kind": type(value).__name__, "value": repr(value)}
    return {"t": "foreign", "type": type(value).__name__}


def _unpack(packed, arrays):
    kind = packed["t"]
    if kind == "none":
        return None
    if kind == "cache":
        return CacheRef(packed["id"])
    if kind in ("tuple", "list"):
        items = [_unpack(item, arrays) for item in packed["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "python":
        return {"float": float, "int": int}[packed["kind"]](packed["value"])
    if kind == "array":
        return arrays[packed["i"]]
    if kind == "scalar":
        return arrays[packed["i"]][()]
    return Foreign(packed["type"])


_NUMERIC_KINDS = "biufc"  # the only dtypes that cross: no object arrays, nothing to unpickle


def _encode(header, arrays=()):
    """One message: a JSON header (with each array's dtype and shape), then the arrays' bytes."""
    arrays = [np.asarray(array) for array in arrays]
    meta = [{"dtype": array.dtype.str, "shape": list(array.shape)} for array in arrays]
    text = json.dumps({"header": header, "arrays": meta}).encode("utf-8")
    parts = [text] + [array.tobytes() for array in arrays]
    return struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(part)) + part
                                                    for part in parts)


def _decode(data):
    """The inverse of _encode; a dtype that is not numeric is refused (ValueError)."""
    count, = struct.unpack_from("<I", data, 0)
    offset, parts = 4, []
    for _ in range(count):
        length, = struct.unpack_from("<Q", data, offset)
        offset += 8
        parts.append(data[offset:offset + length])
        offset += length
    message = json.loads(parts[0].decode("utf-8"))
    arrays = []
    for meta, part in zip(message["arrays"], parts[1:]):
        dtype = np.dtype(meta["dtype"])
        if dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(f"an array of dtype {dtype} cannot cross")
        arrays.append(np.frombuffer(part, dtype=dtype).reshape(meta["shape"]).copy())
    return message["header"], arrays


def _outcome_header(outcome):
    arrays = []
    header = {key: getattr(outcome, key)
              for key in ("error_type", "error_text", "read_only_write", "hint", "location",
                          "seconds", "written")}
    header["printed"] = outcome.printed[:10_000]
    header["warnings"] = [text[:1000] for text in outcome.warnings[:20]]
    header["value"] = _pack(outcome.value, arrays)
    return header, arrays


# -- the worker process ------------------------------------------------------------------------

def _die_with_parent():
    """On Linux, the kernel kills the worker when the checker dies (SIGKILL, a grader's timeout),
    so that no worker outlives it; elsewhere the pipe closing ends the worker's loop."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _serve(connection, impl, memory_limit, time_limit):
    """The worker's main loop: load the implementation, then answer calls until told to stop."""
    os.setsid()                                     # its own process group: killed whole on a hang
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is for the checker
    if memory_limit:  # on top of what the worker already maps (numpy, autograd, the checker)
        try:
            import resource
            with open("/proc/self/statm") as statm:
                mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            resource.setrlimit(resource.RLIMIT_AS, (mapped + memory_limit, mapped + memory_limit))
        except (ImportError, ValueError, OSError):
            pass  # no setrlimit (Windows) or no /proc (macOS): no memory cap there
    output = tempfile.TemporaryFile()
    for descriptor in (1, 2):                       # nothing it prints reaches the checker
        os.dup2(output.fileno(), descriptor)
    sys.stdin = open(os.devnull)                    # input() gets EOF, not the checker's terminal
    from rnn_autograd.gradcheck.loading import LoadError, load_implementation
    try:
        module, label, notes = load_implementation(impl)
    except LoadError as error:
        connection.send_bytes(_encode({"load_error": str(error)}))
        return
    except BaseException as error:  # noqa: BLE001  anything else at import: still one line
        connection.send_bytes(_encode({"load_error": f"{impl}: cannot import: "
                                                     f"{type(error).__name__}"}))
        return
    home = getattr(module, "__file__", None)
    if home and home.endswith("__init__.py"):
        home = home[: -len("__init__.py")]
    calls = _Calls(module, home, time_limit=None, catch_interrupt=True)
    defined = sorted(name for name in dir(module) if not name.startswith("__"))
    connection.send_bytes(_encode({"label": label, "notes": notes,
                                   "functions": sorted(calls.functions), "defined": defined}))
    while True:
        try:
            request, arrays = _decode(connection.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            _answer(connection, calls, output, request, arrays)
        except StopIteration:
            return
        except Exception as error:  # noqa: BLE001  e.g. a returned value that cannot be read
            connection.send_bytes(_encode({"error_type": "CheckerError",
                                           "error_text": f"the worker could not answer: "
                                                         f"{type(error).__name__}: {error}",
                                           "value": {"t": "none"}}))


def _answer(connection, calls, output, request, arrays):
    """Answer one request of the checker."""
    operation = request["op"]
    if operation == "stop":
        raise StopIteration
    if operation == "call":
        args = [_unpack(arg, arrays) for arg in request["args"]]
        outcome = calls.call(request["name"], args, request["writable"], request["keep_cache"])
        outcome.printed = (outcome.printed + _take_printed(output))[:10_000]
        header, result_arrays = _outcome_header(outcome)
        connection.send_bytes(_encode(header, result_arrays))
    elif operation == "freeze":
        calls.freeze(CacheRef(request["id"]), request["read_only"])
        connection.send_bytes(_encode({}))
    elif operation == "changed":
        connection.send_bytes(_encode({"paths": calls.changed(CacheRef(request["id"]))}))
    elif operation == "release":
        calls.release_all()
        connection.send_bytes(_encode({}))


def _take_printed(output):
    """What was written to file descriptors 1 and 2 since the last call (then forget it)."""
    os.lseek(output.fileno(), 0, os.SEEK_SET)
    printed = os.read(output.fileno(), 10_000).decode("utf-8", errors="replace")
    os.ftruncate(output.fileno(), 0)
    os.lseek(output.fileno(), 0, os.SEEK_SET)
    return printed


def _describe_death(process):
    code = process.exitcode
    if code is None:
        return "the worker process stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        segfault = ", a segmentation fault" if name == "SIGSEGV" else ""
        return f"crashed the worker process ({name}{segfault})"
    return f"ended the worker process with exit code {code} (os._exit?)"


class WorkerStartError(Exception):
    """The worker could not load the implementation; the message is one line."""


class Worker:
    """The implementation in a worker process; restarted after a crash or a hang."""

    def __init__(self, impl, time_limit=None, memory_limit=DEFAULT_MEMORY_LIMIT):
        self.impl = impl
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.process = None
        self.connection = None
        hello = self._start()
        self.label, self.notes = hello["label"], hello["notes"]
        self.functions = frozenset(hello["functions"])  # the callables' names (they stay there)
        self.defined = hello["defined"]

    def _start(self):
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, daemon=True,
                                            args=(child, self.impl, self.memory_limit,
                                                  self.time_limit))
        self.process.start()
        child.close()
        self.connection = parent
        limit = (START_TIMEOUT if self.time_limit is None
                 else min(START_TIMEOUT, max(10.0, 3 * self.time_limit)))
        if not parent.poll(limit):
            self._kill()
            raise WorkerStartError(f"{self.impl}: importing it did not finish within {limit:g} s "
                                   "(a sleep, a loop or an input() at import?)")
        try:
            hello, _ = _decode(parent.recv_bytes())
        except (EOFError, OSError):
            self.process.join(5)
            raise WorkerStartError(f"{self.impl}: importing it "
                                   f"{_describe_death(self.process)}") from None
        if "load_error" in hello:
            self._kill()
            raise WorkerStartError(hello["load_error"])
        return hello

    def _kill(self):
        if self.process is not None and self.process.is_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                self.process.kill()
            self.process.join(5)
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None

    def _ask(self, header, arrays=(), timeout=None):
        """Send a request; the answer, or None when the worker hung (killed) or died."""
        if self.process is None:
            self._start()
        try:
            self.connection.send_bytes(_encode(header, arrays))
            if not self.connection.poll(timeout):
                self._kill()
                return None, "hung"
            return _decode(self.connection.recv_bytes()), None
        except (EOFError, OSError, BrokenPipeError, ValueError, struct.error, UnicodeDecodeError):
            self.process.join(5)
            death = _describe_death(self.process)
            self._kill()
            return None, death

    def call(self, name, args, writable=False, keep_cache=False):
        arrays = []
        packed = [_pack(arg, arrays) for arg in args]
        start = time.perf_counter()
        answer, trouble = self._ask({"op": "call", "name": name, "args": packed,
                                     "writable": writable, "keep_cache": keep_cache},
                                    arrays, timeout=self.time_limit)
        if trouble == "hung":
            return Outcome(error_type="TimeLimitExceeded", seconds=time.perf_counter() - start,
                           error_text="did not return within the time limit of "
                                      f"{self.time_limit:.3g} s (its worker process was stopped)")
        if trouble:
            return Outcome(error_type="WorkerDied", error_text=trouble,
                           seconds=time.perf_counter() - start)
        try:
            header, result_arrays = answer
            value = _unpack(header.pop("value"), result_arrays)
            return Outcome(value=value, **header)
        except (KeyError, TypeError, ValueError, IndexError):  # it wrote into the pipe itself
            self._kill()
            return Outcome(error_type="WorkerDied",
                           error_text="garbled the worker's answer to the checker")

    def freeze(self, ref, read_only=True):
        self._ask({"op": "freeze", "id": ref.id, "read_only": read_only}, timeout=self.time_limit)

    def changed(self, ref):
        answer, _ = self._ask({"op": "changed", "id": ref.id}, timeout=self.time_limit)
        return answer[0]["paths"] if answer else []

    def release_all(self):
        if self.process is not None:
            self._ask({"op": "release"}, timeout=self.time_limit)

    def close(self):
        if self.process is not None and self.connection is not None:
            try:
                self.connection.send_bytes(_encode({"op": "stop"}))
            except OSError:
                pass
            self.process.join(1)
        self._kill()
