"""One `Runner` per (implementation, layer): what to time, and how to read its results back.

Every runner offers the same two timed calls:
- forward(): the training forward (manual builds its cache, PyTorch records its graph),
- forward_backward(): forward, then the gradients of every argument in `layer.wrt`,
and two converters used only by the agreement check before timing:
- outputs_of(forward result) -> tuple of numpy arrays, in `layer.outputs` order,
- gradients_of(forward_backward result) -> tuple of numpy arrays, in `layer.wrt` order.

PyTorch and JAX are imported lazily and only for the RNN and LSTM sequences; `available()`
says which ones are installed. Their weights are mapped to the seed layout: Wx (D, 4H) with the
gates packed i, f, o, g and one bias b (4H,). PyTorch keeps W_ih (4H, D), W_hh (4H, H), packs
its gates i, f, g, o and has two biases (b_ih + b_hh); we set b_ih = b and b_hh = 0.
"""
import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
from autograd import make_vjp
from autograd.builtins import tuple as traced_tuple

import manual

FRAMEWORK_LAYERS = ("rnn", "lstm")  # the layers PyTorch and JAX are timed on


@dataclass
class Runner:
    forward: Callable
    forward_backward: Callable
    outputs_of: Callable
    gradients_of: Callable


def available():
    """Names of the optional frameworks that can be imported here."""
    names = []
    for name in ("torch", "jax"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        names.append(name)
    return tuple(names)


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def manual_runner(layer, inputs, upstream):
    """The hand-written forward and backward of `manual`."""
    forward = getattr(manual, layer.forward)
    args = tuple(inputs.values())
    if layer.loss_gradient:  # temporal_softmax_loss returns (loss, dx) itself
        return Runner(
            forward=lambda: forward(*args),
            forward_backward=lambda: forward(*args),
            outputs_of=lambda result: (np.asarray(result[0]),),
            gradients_of=lambda result: tuple(result[1:]),
        )
    backward = getattr(manual, layer.backward)
    upstream_values = tuple(upstream.values())
    return Runner(
        forward=lambda: forward(*args),
        forward_backward=lambda: backward(*upstream_values, forward(*args)[-1]),
        outputs_of=lambda result: tuple(result[:-1]),
        gradients_of=_as_tuple,
    )


def autograd_runner(layer, inputs, upstream):
    """The forward-only twin of `rnn_autograd`, differentiated by autograd's make_vjp."""
    names = [arg.name for arg in layer.args]
    args = tuple(inputs.values())
    positions = tuple(names.index(name) for name in layer.wrt)

    def traced(*values):
        result = layer.reference(*values)
        return traced_tuple(result) if isinstance(result, tuple) else result

    if layer.loss_gradient:
        seed = np.ones((), dtype=inputs["x"].dtype)  # d loss / d loss
    elif len(upstream) == 1:
        seed = next(iter(upstream.values()))
    else:
        seed = tuple(upstream.values())

    def forward_backward():
        vjp, _ = make_vjp(traced, argnum=positions)(*args)
        return vjp(seed)

    return Runner(
        forward=lambda: layer.reference(*args),
        forward_backward=forward_backward,
        outputs_of=lambda result: tuple(np.asarray(value) for value in _as_tuple(result)),
        gradients_of=_as_tuple,
    )


def _seed_to_torch_gate_order(H):
    """Column indices that reorder the seed's i, f, o, g blocks into PyTorch's i, f, g, o.

    The permutation only swaps blocks o and g, so it is its own inverse: the same indices map
    PyTorch's gradients back to the seed's order.
    """
    return np.concatenate([np.arange(k * H, (k + 1) * H) for k in (0, 1, 3, 2)])


def torch_runner(layer, inputs, upstream):
    """PyTorch nn.LSTM / nn.RNN on the CPU, weights copied from the seed's layout."""
    import torch

    x, h0, Wx, Wh, b = (inputs[name] for name in ("x", "h0", "Wx", "Wh", "b"))
    dh = upstream["dh"]
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    if layer.name == "lstm":
        module = torch.nn.LSTM(D, H, batch_first=True, dtype=dtype)
        order = _seed_to_torch_gate_order(H)
    else:
        module = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=dtype)
        order = np.arange(H)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wx[:, order].T)))
        module.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wh[:, order].T)))
        module.bias_ih_l0.copy_(torch.from_numpy(b[order].copy()))
        module.bias_hh_l0.zero_()
    x_torch = torch.from_numpy(x.copy()).requires_grad_(True)
    h0_torch = torch.from_numpy(h0[None].copy()).requires_grad_(True)   # (1, N, H)
    dh_torch = torch.from_numpy(dh.copy())
    leaves = [x_torch, h0_torch] + list(module.parameters())

    def run():
        if layer.name == "lstm":
            c0 = torch.zeros_like(h0_torch)  # the seed's c_{-1} = 0, not differentiated
            return module(x_torch, (h0_torch, c0))[0]
        return module(x_torch, h0_torch)[0]

    def forward_backward():
        for leaf in leaves:
            leaf.grad = None  # fresh gradients each call, as manual returns fresh arrays
        out = run()
        out.backward(dh_torch)
        return out

    def gradients_of(_):
        grad = lambda tensor: tensor.grad.detach().numpy()  # noqa: E731
        return (grad(x_torch), grad(h0_torch)[0], grad(module.weight_ih_l0).T[:, order],
                grad(module.weight_hh_l0).T[:, order], grad(module.bias_ih_l0)[order])

    return Runner(
        forward=run,
        forward_backward=forward_backward,
        outputs_of=lambda out: (out.detach().numpy(),),
        gradients_of=gradients_of,
    )


def jax_runner(layer, inputs, upstream):
    """JAX: `jit` of a `lax.scan` over time, gradients by `jax.vjp` inside the same jit."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_enable_x64", True)  # else float64 inputs would be cut to float32

    def lstm(x, h0, Wx, Wh, b):
        N, T, D = x.shape
        H = h0.shape[1]
        projected = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 4 * H).transpose(1, 0, 2)

        def step(carry, a_x):
            prev_h, prev_c = carry
            a = a_x + prev_h @ Wh                             # (N, 4H)
            i, f, o = (jax.nn.sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
            g = jnp.tanh(a[:, 3 * H:])
            next_c = f * prev_c + i * g
            next_h = o * jnp.tanh(next_c)
            return (next_h, next_c), next_h

        _, h = lax.scan(step, (h0, jnp.zeros_like(h0)), projected)
        return h.transpose(1, 0, 2)                           # (N, T, H)

    def rnn(x, h0, Wx, Wh, b):
        N, T, D = x.shape
        H = h0.shape[1]
        projected = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H).transpose(1, 0, 2)

        def step(prev_h, a_x):
            next_h = jnp.tanh(a_x + prev_h @ Wh)
            return next_h, next_h

        _, h = lax.scan(step, h0, projected)
        return h.transpose(1, 0, 2)

    function = lstm if layer.name == "lstm" else rnn
    args = tuple(jnp.asarray(inputs[name]) for name in ("x", "h0", "Wx", "Wh", "b"))
    dh = jnp.asarray(upstream["dh"])
    forward = jax.jit(function)

    @jax.jit
    def forward_backward(*args):
        out, vjp = jax.vjp(function, *args)
        return out, vjp(dh)

    return Runner(
        forward=lambda: jax.block_until_ready(forward(*args)),
        forward_backward=lambda: jax.block_until_ready(forward_backward(*args)),
        outputs_of=lambda out: (np.asarray(out),),
        gradients_of=lambda result: tuple(np.asarray(grad) for grad in result[1]),
    )


RUNNERS = {
    "manual": manual_runner,
    "rnn_autograd": autograd_runner,
    "torch": torch_runner,
    "jax": jax_runner,
}


def runs_on(implementation, layer):
    """Does this implementation have a runner for this layer?"""
    if implementation in ("manual", "rnn_autograd"):
        return layer.backward is not None or layer.loss_gradient
    return layer.name in FRAMEWORK_LAYERS
