"""The autograd reference of one case: float64 outputs and vector-Jacobian products.

The reference is always evaluated in float64 on the very values the implementation got (a
float32 case is upcast), so it is the best answer available for those inputs.
"""
import autograd
import autograd.numpy as anp
import numpy as np


def as_tuple(value):
    """A returned tuple (or list) as a tuple; any single value as a 1-tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class Reference:
    """Float64 reference values and vector-Jacobian products for one layer and one case."""

    def __init__(self, layer, inputs, upstream):
        self.layer = layer
        self.inputs = {name: (value.astype(np.float64) if value.dtype.kind == "f" else value)
                       for name, value in inputs.items()}
        self.upstream = {name: np.asarray(value, dtype=np.float64)
                         for name, value in upstream.items()}

    def outputs(self, inputs=None):
        """The reference forward's outputs, on the case's inputs or on `inputs`."""
        inputs = self.inputs if inputs is None else inputs
        return tuple(np.asarray(out) for out in as_tuple(self.layer.reference(*inputs.values())))

    def scalar(self, inputs, upstream, numpy=anp):
        """L = sum over outputs of <output, upstream gradient>: its gradient is the VJP."""
        outputs = as_tuple(self.layer.reference(*inputs.values()))
        return sum(numpy.sum(out * up) for out, up in zip(outputs, upstream.values()))

    def gradients(self, upstream=None):
        """VJP of every differentiable argument, as a dict 'dx' -> array, from one trace."""
        upstream = self.upstream if upstream is None else upstream
        names = self.layer.wrt

        def loss(values):
            inputs = dict(self.inputs, **dict(zip(names, values)))
            return self.scalar(inputs, upstream)

        grads = autograd.grad(loss)(tuple(self.inputs[name] for name in names))
        return {"d" + name: np.asarray(grad) for name, grad in zip(names, grads)}
