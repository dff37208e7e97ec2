"""Argument contracts of the seed's layers, shared by `manual` and `rnn_autograd`.

Both trees must reject bad input the same way (tinygrad's rule: both implementations fail
alike), so the checks live here, once. They use only `.shape`, `.ndim`, `.dtype` and cheap
reductions on integer arrays, so they also work on autograd's ArrayBox while it traces.

Size letters (the legend used throughout the project):
    N batch, T time, D input, H hidden, V vocabulary, M output.
A dimension is written as a letter ("H") or a multiple of one ("4H", the packed LSTM gates);
`layer_contracts.dims` parses that language, for everyone.
"""
import math

import numpy as np

from layer_contracts import dims

__all__ = ["Contract"]


def _describe(axes, sizes):
    """Render axes ("N", "4H") as "(N, 4H) = (2, 20)", numbers where they are known."""
    comma = "," if len(axes) == 1 else ""
    text = "(" + ", ".join(axes) + comma + ")"
    known = [dims.size_of(axis, sizes) for axis in axes]
    if any(size is None for size in known):
        return text
    return f"{text} = (" + ", ".join(str(size) for size in known) + comma + ")"


class Contract:
    """Checks the arguments of one call, binding size letters as it goes.

    The first argument that mentions a letter fixes its size; every later mention must agree,
    and the error names where the size came from:

        >>> c = Contract("rnn_step_forward")
        >>> c.floats("x", np.zeros((2, 3)), "N,D")
        >>> c.floats("b", np.zeros((5, 1)), "H")
        Traceback (most recent call last):
        ValueError: rnn_step_forward: b has shape (5, 1); expected (H,)
    """

    def __init__(self, function):
        self.function = function
        self.sizes = {}    # letter -> int
        self.source = {}   # letter -> argument name that fixed it
        self.dtype = None  # the one floating dtype every float argument must share
        self.dtype_source = None

    def _fail(self, error, message):
        raise error(f"{self.function}: {message}")

    def _array(self, name, array):
        if not (hasattr(array, "shape") and hasattr(array, "dtype") and hasattr(array, "ndim")):
            self._fail(TypeError, f"{name} must be a numpy array, got {type(array).__name__}")
        # np.matrix makes * a matrix product and keeps two axes; a masked array computes with
        # the values under its mask: either gives silently wrong answers here.
        if isinstance(array, (np.matrix, np.ma.MaskedArray)):
            self._fail(TypeError, f"{name} is a {type(array).__module__}.{type(array).__name__}; "
                       f"expected a plain numpy array (np.asarray({name}))")

    def shape(self, name, array, dims_text):
        """Check ndim and every dimension of `array` against dims such as "N,T,4H"."""
        self._array(name, array)
        axes, parsed = dims.names(dims_text), dims.parse(dims_text)
        got = tuple(array.shape)
        if len(got) != len(axes):
            self._fail(ValueError,
                       f"{name} has shape {got}; expected {_describe(axes, self.sizes)}")
        for axis, (factor, letter), size in zip(axes, parsed, got):
            if letter in self.sizes:
                if size != factor * self.sizes[letter]:
                    self._fail(ValueError, f"{name} has shape {got}; expected "
                               f"{_describe(axes, self.sizes)} ({letter} = {self.sizes[letter]} "
                               f"from {self.source[letter]})")
            else:
                if size % factor:
                    self._fail(ValueError, f"{name} has shape {got}; dimension {axis} must be a "
                               f"multiple of {factor}, got {size}")
                self.sizes[letter] = size // factor
                self.source[letter] = name
        return got

    def bind(self, letter, size, source):
        """Fix the size of a letter from something other than an axis of an argument, such as
        the vocabulary size len(word_to_idx); `source` is what the error messages name."""
        self.sizes[letter] = int(size)
        self.source[letter] = source

    def flattened_floats(self, name, array, dims_text):
        """A floating-point array (N, d_1, ..., d_k), k >= 1, read as the (N, D) matrix of its
        rows flattened, D = d_1 * ... * d_k: the input of the course's affine layer.

        `dims_text` names the two axes of that matrix, e.g. "N,D" (no multiples such as 4H).
        """
        self._array(name, array)
        (_, rows), (_, columns) = dims.parse(dims_text)
        got = tuple(array.shape)
        shape = f"({rows}, d_1, ..., d_k)"
        if len(got) < 2:
            self._fail(ValueError, f"{name} has shape {got}; expected {shape}, read as "
                       f"({rows}, {columns}) with {columns} = d_1 * ... * d_k")
        for letter, size, meaning in ((rows, got[0], rows), (columns, math.prod(got[1:]),
                                                             "d_1 * ... * d_k")):
            if letter not in self.sizes:
                self.bind(letter, size, name)
            elif size != self.sizes[letter]:
                self._fail(ValueError, f"{name} has shape {got}; expected {shape} with {meaning} "
                           f"= {self.sizes[letter]} ({letter} = {self.sizes[letter]} from "
                           f"{self.source[letter]})")
        self.floating(name, array)

    def floats(self, name, array, dims):
        """A floating-point array of the given dims, in the same dtype as the other floats."""
        self.shape(name, array, dims)
        self.floating(name, array)

    def floating(self, name, array):
        """A floating-point array of any shape, in the same dtype as the other floats."""
        self._array(name, array)
        dtype = np.dtype(array.dtype)
        if dtype.kind != "f":
            self._fail(TypeError, f"{name} must be a floating-point array, got dtype {dtype}")
        if self.dtype is None:
            self.dtype, self.dtype_source = dtype, name
        elif dtype != self.dtype:
            self._fail(TypeError, f"{name} has dtype {dtype} but {self.dtype_source} has dtype "
                       f"{self.dtype}; all floating-point arguments must share one dtype")

    def indices(self, name, array, dims, upper):
        """Integer indices of the given dims, each in [0, sizes[upper])."""
        self.shape(name, array, dims)
        dtype = np.dtype(array.dtype)
        if dtype.kind not in "iu":
            self._fail(TypeError, f"{name} must hold integer indices, got dtype {dtype}")
        limit = self.sizes[upper]
        if array.size == 0:
            return
        if array.min() >= 0 and array.max() < limit:  # two cheap reductions when all is well
            return
        for bad, problem in ((array < 0, "negative"), (array >= limit, "too large")):
            if bad.any():
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                position = ", ".join(map(str, where))
                self._fail(ValueError, f"{name}[{position}] = {int(array[where])} is {problem}; "
                           f"expected integers in 0 <= {name} < {upper} = {limit}")

    def mask(self, name, array, dims):
        """A boolean mask (integer or float 0/1 arrays are accepted too)."""
        self.shape(name, array, dims)
        dtype = np.dtype(array.dtype)
        if dtype.kind == "b":
            return
        if dtype.kind not in "iuf":
            self._fail(TypeError, f"{name} must be a boolean array, got dtype {dtype}")
        if array.size and not np.all((array == 0) | (array == 1)):
            self._fail(ValueError, f"{name} must be boolean (or hold only 0 and 1), "
                       f"got values such as {array[(array != 0) & (array != 1)].flat[0]!r}")

    def upstream(self, name, array, output_name, shape, dtype):
        """An upstream gradient: exactly the shape and dtype of the output it belongs to."""
        self._array(name, array)
        if tuple(array.shape) != tuple(shape):
            self._fail(ValueError, f"{name} has shape {tuple(array.shape)}; expected "
                       f"{tuple(shape)}, the shape of {output_name} from the forward pass")
        self.dtype, self.dtype_source = np.dtype(dtype), output_name
        self.floating(name, array)
