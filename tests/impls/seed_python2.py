"""The seed file as a student handed it in (2016 course, Python 2): the scraped seed's code with
its indentation restored and the page residue dropped, nothing else changed.

It carries the seed's two Python 2 constructs: the `print` statement in temporal_softmax_loss,
and `H = b.shape[0]/4` in lstm_forward (an int in Python 2, a float in Python 3). Its math is
the course's. Buffers are float64 (`np.zeros(shape)`), lstm_forward's cache is a dict.
"""
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h, cache = None, None
    a = prev_h.dot(Wh) + x.dot(Wx) + b
    next_h = np.tanh(a)
    cache = (x, prev_h, Wh, Wx, b, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    x, prev_h, Wh, Wx, b, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis = 0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    h, cache = None, None
    N, T, D = x.shape
    (H ,) = b.shape
    h = np.zeros((N, T, H))
    prev_h = h0
    for t in range(T):
        xt = x[:, t, :]
        next_h,_ = rnn_step_forward(xt, prev_h, Wx, Wh, b)
        prev_h = next_h
        h[:, t, :] = prev_h
    cache = (x, h0, Wh, Wx, b, h)
    return h, cache


def rnn_backward(dh, cache):
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    x, h0, Wh, Wx, b, h = cache
    N, T, H = dh.shape
    _, _, D = x.shape
    next_h = h[:,T-1,:]
    dprev_h = np.zeros((N, H))
    dx = np.zeros((N, T, D))
    dh0 = np.zeros((N, H))
    dWx= np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros((H,))
    for t in range(T):
        t = T-1-t
        xt = x[:,t,:]
        if t ==0:
            prev_h = h0
        else:
            prev_h = h[:,t-1,:]
        step_cache = (xt, prev_h, Wh, Wx, b, next_h)
        next_h = prev_h
        dnext_h = dh[:,t,:] + dprev_h
        dx[:,t,:], dprev_h, dWxt, dWht, dbt = rnn_step_backward(dnext_h, step_cache)
        dWx, dWh, db = dWx+dWxt, dWh+dWht, db+dbt
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out, cache = None, None
    N, T = x.shape
    V, D = W.shape
    out = np.zeros((N, T, D))
    for i in range(N):
        for j in range(T):
            out[i, j] = W[x[i,j]]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, cache):
    dW = None
    x, W_shape = cache
    dW = np.zeros(W_shape)
    np.add.at(dW, x, dout)
    return dW


def sigmoid(x):
    """
    A numerically stable version of the logistic sigmoid function.
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
    next_h, next_c, cache = None, None, None
    H = Wh.shape[0]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    z_i = sigmoid(a[:,:H])
    z_f = sigmoid(a[:,H:2*H])
    z_o = sigmoid(a[:,2*H:3*H])
    z_g = np.tanh(a[:,3*H:])
    next_c = z_f * prev_c + z_i * z_g
    z_t = np.tanh(next_c)
    next_h = z_o * z_t
    cache = (z_i, z_f, z_o, z_g, z_t, prev_c, prev_h, Wx, Wh, x)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    dx, dh, dc, dWx, dWh, db = None, None, None, None, None, None
    H = dnext_h.shape[1]
    z_i, z_f, z_o, z_g, z_t, prev_c, prev_h, Wx, Wh, x = cache
    dz_o = z_t * dnext_h
    dc_t = z_o * (1 - z_t * z_t) * dnext_h + dnext_c
    dz_f = prev_c * dc_t
    dz_i = z_g * dc_t
    dprev_c = z_f * dc_t
    dz_g = z_i * dc_t
    da_i = (1 - z_i) * z_i * dz_i
    da_f = (1 - z_f) * z_f * dz_f
    da_o = (1 - z_o) * z_o * dz_o
    da_g = (1 - z_g * z_g) * dz_g
    da = np.hstack((da_i, da_f, da_o, da_g))
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis = 0)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    h, cache = None, None
    N, T, D = x.shape
    H = b.shape[0]/4
    h = np.zeros((N, T, H))
    cache = {}
    prev_h = h0
    prev_c = np.zeros((N, H))
    for t in range(T):
        xt = x[:, t, :]
        next_h, next_c, cache[t] = lstm_step_forward(xt, prev_h, prev_c, Wx, Wh, b)
        prev_h = next_h
        prev_c = next_c
        h[:, t, :] = prev_h
    return h, cache


def lstm_backward(dh, cache):
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    N, T, H = dh.shape
    z_i, z_f, z_o, z_g, z_t, prev_c, prev_h, Wx, Wh, x = cache[T-1]
    D = x.shape[1]
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    dx = np.zeros((N, T, D))
    dh0 = np.zeros((N, H))
    dWx= np.zeros((D, 4*H))
    dWh = np.zeros((H, 4*H))
    db = np.zeros((4*H,))
    for t in range(T):
        t = T-1-t
        step_cache = cache[t]
        dnext_h = dh[:,t,:] + dprev_h
        dnext_c = dprev_c
        dx[:,t,:], dprev_h, dprev_c, dWxt, dWht, dbt = lstm_step_backward(dnext_h, dnext_c, step_cache)
        dWx, dWh, db = dWx+dWxt, dWh+dWht, db+dbt
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    cache = x, w, b, out
    return out, cache


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D)).T
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    if verbose: print 'dx_flat: ', dx_flat.shape
    dx = dx_flat.reshape(N, T, V)
    return loss, dx
