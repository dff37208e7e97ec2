"""A correct, vectorised rnn_layers.py: the engineer's rewrite for speed.

No sequence function calls a step function: the input projections of all timesteps are one
einsum before the time loop, only the recurrent product stays inside it, and the backward
collects the pre-activation gradients of every timestep so that dx, dWx, dWh and db are single
einsums after it. LSTM gates are handled as an (N, 4, H) view (blocks i, f, o, g). The embedding
backward is a one-hot product instead of np.add.at; the softmax loss uses log-sum-exp.
Caches are plain tuples. Float32 in, float32 out; nothing is written into an argument or a cache.

Legend: N batch, T time, D input, H hidden, V vocabulary, M output.
"""
import numpy as np


def sigmoid(x):
    """Logistic sigmoid from exp(-|x|), which never overflows.

    Inputs:
    - x: array of any shape

    Returns:
    - array of the same shape and dtype, 1 / (1 + exp(-x))
    """
    e = np.exp(-np.abs(x))                                  # in (0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)

    Returns a tuple of:
    - next_h: (N, H)
    - cache: (x, prev_h, Wx, Wh, next_h)
    """
    next_h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward pass of rnn_step_forward.

    Inputs:
    - dnext_h: (N, H)
    - cache: from rnn_step_forward

    Returns a tuple of:
    - dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)                      # (N, H)
    return (np.einsum("nh,dh->nd", da, Wx), np.einsum("nh,kh->nk", da, Wh),
            np.einsum("nd,nh->dh", x, da), np.einsum("nk,nh->kh", prev_h, da), da.sum(axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a sequence; the input projection of all timesteps is one einsum.

    Inputs:
    - x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)

    Returns a tuple of:
    - h: (N, T, H)
    - cache: (x, h0, Wx, Wh, h)
    """
    projected = np.einsum("ntd,dh->nth", x, Wx) + b           # (N, T, H)
    states, prev_h = [], h0
    for t in range(x.shape[1]):
        prev_h = np.tanh(projected[:, t] + prev_h @ Wh)        # (N, H)
        states.append(prev_h)
    h = np.stack(states, axis=1)                              # (N, T, H)
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """Backward pass of rnn_forward: da of every timestep, then one einsum per gradient.

    Inputs:
    - dh: (N, T, H)
    - cache: from rnn_forward

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)
    """
    x, h0, Wx, Wh, h = cache
    T = x.shape[1]
    da = [None] * T
    carry = np.zeros_like(h0)                                  # (N, H) from step t+1
    for t in reversed(range(T)):
        da[t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)        # (N, H)
        carry = da[t] @ Wh.T                                   # (N, H)
    da = np.stack(da, axis=1)                                  # (N, T, H)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    dx = np.einsum("nth,dh->ntd", da, Wx)
    dWx = np.einsum("ntd,nth->dh", x, da)
    dWh = np.einsum("ntk,nth->kh", prev_h, da)
    db = da.sum(axis=(0, 1))
    return dx, carry, dWx, dWh, db


def word_embedding_forward(x, W):
    """out = W[x], one fancy index.

    Inputs:
    - x: (N, T) indices in [0, V), W: (V, D)

    Returns a tuple of:
    - out: (N, T, D)
    - cache: (x, V)
    """
    return W[x], (x, W.shape[0])


def word_embedding_backward(dout, cache):
    """dW = onehot(x)^T dout: a one-hot product sums repeated words by construction.

    Inputs:
    - dout: (N, T, D)
    - cache: (x, V)

    Returns:
    - dW: (V, D)
    """
    x, V = cache
    one_hot = (x[:, :, None] == np.arange(V)).astype(dout.dtype)  # (N, T, V)
    return np.einsum("ntv,ntd->vd", one_hot, dout)


def _gates(a):
    """(N, 4H) pre-activations -> (N, 4, H) activated gates i, f, o, g."""
    N = a.shape[0]
    blocks = a.reshape(N, 4, -1)
    return np.concatenate([sigmoid(blocks[:, :3]), np.tanh(blocks[:, 3:])], axis=1)


def _cell_backward(gates, prev_c, tanh_c, dnext_h, dnext_c):
    """Chain rule through one cell; returns (da (N, 4H), dprev_c (N, H))."""
    i, f, o, g = gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3]
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    dgates = np.stack([dc * g, dc * prev_c, dnext_h * tanh_c, dc * i], axis=1)  # (N, 4, H)
    local = np.concatenate([gates[:, :3] * (1 - gates[:, :3]), 1 - gates[:, 3:] ** 2], axis=1)
    return (dgates * local).reshape(gates.shape[0], -1), dc * f


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM timestep, gates as an (N, 4, H) block view.

    Inputs:
    - x: (N, D), prev_h: (N, H), prev_c: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)

    Returns a tuple of:
    - next_h: (N, H), next_c: (N, H)
    - cache: (x, prev_h, prev_c, Wx, Wh, gates, tanh_c)
    """
    gates = _gates(x @ Wx + prev_h @ Wh + b)                   # (N, 4, H)
    next_c = gates[:, 1] * prev_c + gates[:, 0] * gates[:, 3]  # (N, H)
    tanh_c = np.tanh(next_c)
    next_h = gates[:, 2] * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, gates, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of lstm_step_forward.

    Inputs:
    - dnext_h: (N, H), dnext_c: (N, H)
    - cache: from lstm_step_forward

    Returns a tuple of:
    - dx: (N, D), dprev_h: (N, H), dprev_c: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, gates, tanh_c = cache
    da, dprev_c = _cell_backward(gates, prev_c, tanh_c, dnext_h, dnext_c)  # (N, 4H), (N, H)
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    """LSTM over a sequence from c = 0; the input projection of all timesteps is one einsum.

    Inputs:
    - x: (N, T, D), h0: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)

    Returns a tuple of:
    - h: (N, T, H)
    - cache: (x, h0, Wx, Wh, h, c, gates, tanh_c)
    """
    projected = np.einsum("ntd,dk->ntk", x, Wx) + b            # (N, T, 4H)
    prev_h, prev_c = h0, np.zeros_like(h0)
    hs, cs, all_gates, tanh_cs = [], [], [], []
    for t in range(x.shape[1]):
        gates = _gates(projected[:, t] + prev_h @ Wh)          # (N, 4, H)
        prev_c = gates[:, 1] * prev_c + gates[:, 0] * gates[:, 3]
        tanh_c = np.tanh(prev_c)
        prev_h = gates[:, 2] * tanh_c
        hs.append(prev_h), cs.append(prev_c), all_gates.append(gates), tanh_cs.append(tanh_c)
    h = np.stack(hs, axis=1)                                   # (N, T, H)
    cache = (x, h0, Wx, Wh, h, np.stack(cs, axis=1), np.stack(all_gates, axis=1),
             np.stack(tanh_cs, axis=1))
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of lstm_forward: gate gradients of every timestep, then einsums.

    Inputs:
    - dh: (N, T, H)
    - cache: from lstm_forward

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,)
    """
    x, h0, Wx, Wh, h, c, gates, tanh_c = cache
    T = x.shape[1]
    da = [None] * T
    carry_h, carry_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_c = c[:, t - 1] if t > 0 else np.zeros_like(h0)
        da[t], carry_c = _cell_backward(gates[:, t], prev_c, tanh_c[:, t], dh[:, t] + carry_h, carry_c)
        carry_h = da[t] @ Wh.T
    da = np.stack(da, axis=1)                                  # (N, T, 4H)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    dx = np.einsum("ntk,dk->ntd", da, Wx)
    dWx = np.einsum("ntd,ntk->dk", x, da)
    dWh = np.einsum("ntj,ntk->jk", prev_h, da)
    db = da.sum(axis=(0, 1))
    return dx, carry_h, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    """out = x w + b at every timestep.

    Inputs:
    - x: (N, T, D), w: (D, M), b: (M,)

    Returns a tuple of:
    - out: (N, T, M)
    - cache: (x, w)
    """
    return np.einsum("ntd,dm->ntm", x, w) + b, (x, w)


def temporal_affine_backward(dout, cache):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dout: (N, T, M)
    - cache: (x, w)

    Returns a tuple of:
    - dx: (N, T, D), dw: (D, M), db: (M,)
    """
    x, w = cache
    return (np.einsum("ntm,dm->ntd", dout, w), np.einsum("ntd,ntm->dm", x, dout),
            dout.sum(axis=(0, 1)))


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Masked softmax cross-entropy summed over T, averaged over N, via log-sum-exp.

    Inputs:
    - x: (N, T, V) scores, y: (N, T) targets, mask: (N, T) booleans
    - verbose: unused

    Returns a tuple of:
    - loss: scalar
    - dx: (N, T, V)
    """
    N = x.shape[0]
    top = x.max(axis=2, keepdims=True)
    log_probs = x - top - np.log(np.exp(x - top).sum(axis=2, keepdims=True))  # (N, T, V)
    targets = np.take_along_axis(log_probs, y[:, :, None], axis=2)[:, :, 0]   # (N, T)
    weights = mask.astype(x.dtype) / N                                        # (N, T)
    loss = -(weights * targets).sum()
    one_hot = (y[:, :, None] == np.arange(x.shape[2])).astype(x.dtype)        # (N, T, V)
    dx = (np.exp(log_probs) - one_hot) * weights[:, :, None]
    return loss, dx
