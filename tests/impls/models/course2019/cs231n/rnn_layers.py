"""rnn_layers.py of the 2018-2020 course layout: the 14 functions (affine is in layers.py).

A copy of tests/impls/student_correct.py (per-step loops, dict caches).
"""
from __future__ import print_function, division
from builtins import range
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Run one timestep of a vanilla RNN: next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: (N, D) input for this timestep
    - prev_h: (N, H) previous hidden state
    - Wx: (D, H) input-to-hidden weights
    - Wh: (H, H) hidden-to-hidden weights
    - b: (H,) biases

    Returns a tuple of:
    - next_h: (N, H) next hidden state
    - cache: dict for rnn_step_backward
    """
    a = x.dot(Wx) + prev_h.dot(Wh) + b  # (N, H) pre-activation
    next_h = np.tanh(a)                 # (N, H)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "a": a, "next_h": next_h}
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass for one timestep of a vanilla RNN.

    Inputs:
    - dnext_h: (N, H) gradient of the loss with respect to next_h
    - cache: dict from rnn_step_forward

    Returns a tuple of:
    - dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"], cache["next_h"]
    da = dnext_h * (1 - next_h ** 2)  # (N, H) tanh' from tanh's output
    dx = da.dot(Wx.T)                 # (N, D)
    dprev_h = da.dot(Wh.T)            # (N, H)
    dWx = x.T.dot(da)                 # (D, H)
    dWh = prev_h.T.dot(da)            # (H, H)
    db = np.sum(da, axis=0)           # (H,)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN over a whole sequence by calling rnn_step_forward at every timestep.

    Inputs:
    - x: (N, T, D) input sequence
    - h0: (N, H) initial hidden state
    - Wx: (D, H), Wh: (H, H), b: (H,)

    Returns a tuple of:
    - h: (N, T, H) hidden states of every timestep
    - cache: list of the T step caches
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)  # (N, T, H)
    cache = []
    prev_h = h0
    for t in range(T):
        next_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)  # (N, H)
        h[:, t, :] = next_h
        cache.append(step_cache)
        prev_h = next_h
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass for a vanilla RNN over a whole sequence, one rnn_step_backward per step.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state
    - cache: list of step caches from rnn_forward

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)
    """
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h  # (N, H) from the loss at t and from step t+1
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dnext_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    """Look up a word vector for every index: out[n, t] = W[x[n, t]].

    Inputs:
    - x: (N, T) integer indices in [0, V)
    - W: (V, D) word vectors

    Returns a tuple of:
    - out: (N, T, D)
    - cache: (x, W.shape)
    """
    N, T = x.shape
    V, D = W.shape
    out = np.zeros((N, T, D), dtype=W.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings; repeated words accumulate with np.add.at.

    Inputs:
    - dout: (N, T, D) upstream gradient
    - cache: (x, W.shape) from word_embedding_forward

    Returns:
    - dW: (V, D)
    """
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)  # (V, D)
    np.add.at(dW, x, dout)
    return dW


def sigmoid(x):
    """Numerically stable logistic sigmoid (the seed's version, with masks).

    Inputs:
    - x: array of any shape

    Returns:
    - array of the same shape and dtype
    """
    pos_mask = (x >= 0)
    neg_mask = (x < 0)
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Run one LSTM timestep; gates packed i, f, o, g.

    Inputs:
    - x: (N, D), prev_h: (N, H), prev_c: (N, H)
    - Wx: (D, 4H), Wh: (H, 4H), b: (4H,)

    Returns a tuple of:
    - next_h: (N, H), next_c: (N, H)
    - cache: tuple for lstm_step_backward
    """
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b  # (N, 4H)
    i = sigmoid(a[:, 0:H])              # (N, H) input gate
    f = sigmoid(a[:, H:2 * H])          # (N, H) forget gate
    o = sigmoid(a[:, 2 * H:3 * H])      # (N, H) output gate
    g = np.tanh(a[:, 3 * H:4 * H])      # (N, H) candidate
    next_c = f * prev_c + i * g         # (N, H)
    next_h = o * np.tanh(next_c)        # (N, H)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for one LSTM timestep.

    Inputs:
    - dnext_h: (N, H), dnext_c: (N, H)
    - cache: tuple from lstm_step_forward

    Returns a tuple of:
    - dx: (N, D), dprev_h: (N, H), dprev_c: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)                          # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)    # (N, H) both paths into next_c
    di = dc * g                                       # (N, H)
    df = dc * prev_c                                  # (N, H)
    do = dnext_h * tanh_c                             # (N, H)
    dg = dc * i                                       # (N, H)
    da_i = di * i * (1 - i)                           # (N, H) sigmoid'
    da_f = df * f * (1 - f)
    da_o = do * o * (1 - o)
    da_g = dg * (1 - g ** 2)                          # (N, H) tanh'
    da = np.hstack((da_i, da_f, da_o, da_g))          # (N, 4H)
    dx = da.dot(Wx.T)                                 # (N, D)
    dprev_h = da.dot(Wh.T)                            # (N, H)
    dprev_c = dc * f                                  # (N, H)
    dWx = x.T.dot(da)                                 # (D, 4H)
    dWh = prev_h.T.dot(da)                            # (H, 4H)
    db = np.sum(da, axis=0)                           # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a sequence from c = 0, calling lstm_step_forward at every timestep.

    Inputs:
    - x: (N, T, D), h0: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)

    Returns a tuple of:
    - h: (N, T, H)
    - cache: dict {t: step cache}
    """
    N, T, D = x.shape
    H = b.shape[0] // 4
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = {}
    prev_h = h0
    prev_c = np.zeros((N, H), dtype=x.dtype)  # the cell state starts at zero
    for t in range(T):
        next_h, next_c, cache[t] = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = next_h
        prev_h, prev_c = next_h, next_c
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over a sequence, one lstm_step_backward per step.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state
    - cache: dict {t: step cache} from lstm_forward

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,)
    """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros((4 * H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h  # (N, H)
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dnext_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    """Affine map at every timestep: out = x w + b.

    Inputs:
    - x: (N, T, D), w: (D, M), b: (M,)

    Returns a tuple of:
    - out: (N, T, M)
    - cache: (x, w, b, out)
    """
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b  # (N, T, M)
    cache = (x, w, b, out)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass for the temporal affine layer.

    Inputs:
    - dout: (N, T, M)
    - cache: (x, w, b, out)

    Returns a tuple of:
    - dx: (N, T, D), dw: (D, M), db: (M,)
    """
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)  # (N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))  # (D, M)
    db = dout.sum(axis=(0, 1))                              # (M,)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Masked softmax cross-entropy, summed over time and averaged over the batch N.

    Inputs:
    - x: (N, T, V) scores
    - y: (N, T) integer targets in [0, V)
    - mask: (N, T) boolean, True where the position counts
    - verbose: print the shape of dx_flat

    Returns a tuple of:
    - loss: scalar
    - dx: (N, T, V)
    """
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    shifted_logits = x_flat - np.max(x_flat, axis=1, keepdims=True)  # (N*T, V) exp cannot overflow
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)          # (N*T, 1)
    log_probs = shifted_logits - np.log(Z)                             # (N*T, V) never log(0)
    probs = np.exp(log_probs)                                          # (N*T, V)
    loss = -np.sum(mask_flat * log_probs[np.arange(N * T), y_flat] / N)  # divide the array: float32 stays float32
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    dx = dx_flat.reshape(N, T, V)
    return loss, dx
