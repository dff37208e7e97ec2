"""Pictures of gradients: how dL/dh_t fades back in time, and where a gradient error sits.

Run the gradient-flow picture (needs the optional extra: pip install 'rnn-autograd[plot]'):

    rnn-gradient-flow --out gradient_flow.png
    rnn-gradient-flow --T 100 --N 4 --D 10 --H 32 --seed 1 --out long.png
    python -m rnn_autograd.demos.gradient_flow --out gradient_flow.png

It runs a vanilla RNN and an LSTM on the same random input sequence, with a loss on the last
hidden state only, L = sum(h_{T-1} * G) for a fixed random G (N, H), so the upstream gradient is
nonzero only at t = T-1. It then plots ||dL/dh_t|| against t on a log scale, each model twice:

- manual:   the hand-written step backward (manual.rnn_step_backward / lstm_step_backward)
            looped back in time, carrying dprev_h (and dprev_c for the LSTM);
- autograd: the gradient of L with respect to a perturbation eps_t added to h_t inside a loop
            of rnn_autograd.rnn_step / lstm_step, which is exactly dL/dh_t.

The two curves of each model must lie on top of each other: the command checks it (and that
manual.rnn_backward / lstm_backward reach the same dL/dh0) before it draws anything, and prints
the largest relative difference. The weights are drawn at the scales in the constants below,
chosen so that the vanilla RNN's gradient visibly vanishes while the LSTM's does not.

matplotlib is optional. Without it, drawing raises `PlotUnavailable` (an ImportError) whose
message says how to install it, and the command prints that one line and exits with 2.
The figures are drawn with matplotlib's object-oriented API and its Agg canvas (no pyplot, no
display, no change to a global backend).
"""
import argparse
import os
import sys

import autograd
import autograd.numpy as anp
import numpy as np

import manual
import rnn_autograd
from rnn_autograd.demos.allocator import keep_freed_memory
from rnn_autograd.lstm import lstm_step
from rnn_autograd.rnn import rnn_step

INSTALL_HINT = "pip install 'rnn-autograd[plot]'"

# Weight scales of the gradient-flow picture. Entries of a weight matrix are drawn from
# N(0, (scale / sqrt(fan_in))^2): a square H x H matrix drawn so (the RNN's Wh, each gate block
# of the LSTM's) has a spectral radius of about `scale` (the circular law of random matrices).
INPUT_SCALE = 1.0            # Wx of both models: pre-activations of order 1 from unit inputs
RNN_RECURRENT_SCALE = 0.9    # vanilla RNN Wh: below 1, and tanh' <= 1 shrinks it further,
                             # so ||dL/dh_t|| falls roughly geometrically back in time
LSTM_RECURRENT_SCALE = 0.9   # LSTM Wh: the same scale as the RNN, for a fair comparison
LSTM_FORGET_BIAS = 3.0       # forget-gate bias: f = sigmoid(3 + ...) is about 0.95, so the cell
                             # state carries the gradient back with little loss per step

# The manual and autograd gradients compute the same products in a different order, so they
# agree to float64 round-off (about 1e-16 per operation, a few hundred operations deep);
# 1e-10 is far above that and far below any real mistake in a backward pass.
AGREEMENT_TOLERANCE = 1e-10

# The smallest norm drawn on the log axis; a gradient that underflowed to exactly 0 (very long
# sequences) is drawn here instead of disappearing from the picture.
SMALLEST_PLOTTED_NORM = 1e-300


class PlotUnavailable(ImportError):
    """matplotlib is not installed; the message says how to install the optional extra."""


def _figure_class():
    """Return matplotlib's Figure class, or raise PlotUnavailable with the install hint."""
    try:
        import matplotlib  # noqa: F401  (the package first: a missing one fails here)
        from matplotlib.figure import Figure
    except ImportError as error:
        raise PlotUnavailable(
            f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}") from error
    return Figure


def _make_parent_directory(path):
    """Create the directory that will hold path, if path names one and it does not exist."""
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)


# ----------------------------------------------------------------------------------------------
# Gradient flow
# ----------------------------------------------------------------------------------------------

def make_gradient_flow_problem(N, T, D, H, seed):
    """Draw the shared random input sequence, both models' weights and the last-step upstream G.

    Inputs:
    - N, T, D, H: batch size, sequence length, input size, hidden size
    - seed: seed of the random generator

    Returns a dict with:
    - x: (N, T, D) input sequence, standard normal
    - h0: (N, H) initial hidden state, zero
    - rnn: (Wx (D, H), Wh (H, H), b (H,)) vanilla RNN weights
    - lstm: (Wx (D, 4H), Wh (H, 4H), b (4H,)) LSTM weights, forget-gate bias LSTM_FORGET_BIAS
    - upstream: (N, H) G, the gradient of the loss with respect to h_{T-1}
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))                                        # (N, T, D)
    h0 = np.zeros((N, H))                                                     # (N, H)
    rnn_weights = (
        rng.standard_normal((D, H)) * INPUT_SCALE / np.sqrt(D),               # (D, H)
        rng.standard_normal((H, H)) * RNN_RECURRENT_SCALE / np.sqrt(H),       # (H, H)
        np.zeros(H),                                                          # (H,)
    )
    lstm_bias = np.zeros(4 * H)
    lstm_bias[H:2 * H] = LSTM_FORGET_BIAS                                     # (4H,) i, f, o, g
    lstm_weights = (
        rng.standard_normal((D, 4 * H)) * INPUT_SCALE / np.sqrt(D),           # (D, 4H)
        rng.standard_normal((H, 4 * H)) * LSTM_RECURRENT_SCALE / np.sqrt(H),  # (H, 4H)
        lstm_bias,
    )
    upstream = rng.standard_normal((N, H))                                    # (N, H)
    return {"x": x, "h0": h0, "rnn": rnn_weights, "lstm": lstm_weights, "upstream": upstream}


def rnn_hidden_gradients_manual(x, h0, Wx, Wh, b, upstream):
    """dL/dh_t for every t of a vanilla RNN, L = sum(h_{T-1} * upstream), by the manual backward.

    Runs rnn_step_forward for every t, then rnn_step_backward from t = T-1 down to 0: the
    dprev_h that step t returns is the whole gradient reaching h_{t-1}, because the loss only
    sees h_{T-1}.

    Inputs:
    - x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)
    - upstream: (N, H) dL/dh_{T-1}

    Returns a tuple of:
    - dh: (T, N, H) dL/dh_t for every t
    - dh0: (N, H) dL/dh0
    """
    T = x.shape[1]
    caches, prev_h = [], h0
    for t in range(T):
        prev_h, cache = manual.rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)  # (N, H)
        caches.append(cache)
    gradients, dnext_h = [], upstream
    for t in reversed(range(T)):
        gradients.append(dnext_h)                                           # (N, H) dL/dh_t
        _, dnext_h, _, _, _ = manual.rnn_step_backward(dnext_h, caches[t])  # (N, H) dL/dh_{t-1}
    return np.stack(gradients[::-1]), dnext_h


def lstm_hidden_gradients_manual(x, h0, Wx, Wh, b, upstream):
    """dL/dh_t for every t of an LSTM, L = sum(h_{T-1} * upstream), by the manual backward.

    Like rnn_hidden_gradients_manual, carrying the cell gradient dprev_c back as well
    (c_{-1} = 0, and dL/dc_{T-1} = 0 because the loss only sees h_{T-1}).

    Inputs:
    - x: (N, T, D), h0: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)
    - upstream: (N, H) dL/dh_{T-1}

    Returns a tuple of:
    - dh: (T, N, H) dL/dh_t for every t
    - dh0: (N, H) dL/dh0
    """
    T = x.shape[1]
    caches, prev_h, prev_c = [], h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, cache = manual.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        caches.append(cache)
    gradients, dnext_h, dnext_c = [], upstream, np.zeros_like(upstream)
    for t in reversed(range(T)):
        gradients.append(dnext_h)                                           # (N, H) dL/dh_t
        _, dnext_h, dnext_c, _, _, _ = manual.lstm_step_backward(dnext_h, dnext_c, caches[t])
    return np.stack(gradients[::-1]), dnext_h


def hidden_gradients_autograd(cell, x, h0, Wx, Wh, b, upstream):
    """dL/dh_t for every t, L = sum(h_{T-1} * upstream), by autograd.

    A perturbation eps_t (N, H), zero in value, is added to each h_t inside a loop of
    rnn_autograd.rnn_step or lstm_step; since h_t + eps_t replaces h_t everywhere after it,
    dL/deps_t = dL/dh_t.

    Inputs:
    - cell: "rnn" or "lstm"
    - x: (N, T, D), h0: (N, H), Wx, Wh, b: the weights of that cell
    - upstream: (N, H) dL/dh_{T-1}

    Returns a tuple of:
    - dh: (T, N, H) dL/dh_t for every t
    - dh0: (N, H) dL/dh0
    """
    T = x.shape[1]

    def loss(perturbations, h0):
        prev_h, prev_c = h0, anp.zeros(h0.shape)
        for t in range(T):
            if cell == "rnn":
                prev_h = rnn_step(x[:, t], prev_h, Wx, Wh, b)                       # (N, H)
            else:
                prev_h, prev_c = lstm_step(x[:, t], prev_h, prev_c, Wx, Wh, b)      # (N, H)
            prev_h = prev_h + perturbations[t]                                      # (N, H)
        return anp.sum(prev_h * upstream)

    gradient = autograd.grad(loss, argnum=(0, 1))
    dh, dh0 = gradient(np.zeros((T,) + h0.shape), h0)
    return dh, dh0


def sequence_backward_dh0(cell, x, h0, Wx, Wh, b, upstream):
    """dL/dh0 from the vectorised sequence backward (manual.rnn_backward / lstm_backward).

    Inputs: as hidden_gradients_autograd.

    Returns:
    - dh0: (N, H) dL/dh0 with the upstream gradient placed at t = T-1 only
    """
    forward, backward = {
        "rnn": (manual.rnn_forward, manual.rnn_backward),
        "lstm": (manual.lstm_forward, manual.lstm_backward),
    }[cell]
    h, cache = forward(x, h0, Wx, Wh, b)  # (N, T, H)
    dh = np.zeros_like(h)                 # (N, T, H)
    dh[:, -1] = upstream                  # the loss sees only the last hidden state
    _, dh0, _, _, _ = backward(dh, cache)
    return dh0


def relative_difference(a, b):
    """Largest over t of ||a_t - b_t|| / ||b_t||, for (T, ...) arrays; 0 where both are 0."""
    a = a.reshape(a.shape[0], -1)
    b = b.reshape(b.shape[0], -1)
    difference = np.linalg.norm(a - b, axis=1)  # (T,)
    scale = np.linalg.norm(b, axis=1)           # (T,)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(difference == 0, 0.0, difference / scale)
    return float(ratios.max())


def gradient_flow(N=4, T=60, D=10, H=32, seed=0):
    """Compute ||dL/dh_t|| for both models, both ways, and check that the two ways agree.

    Inputs:
    - N, T, D, H: batch size, sequence length, input size, hidden size
    - seed: seed of the random inputs and weights

    Returns a dict mapping "rnn" and "lstm" to a dict with:
    - manual: (T,) ||dL/dh_t|| from the manual step backward
    - autograd: (T,) ||dL/dh_t|| from autograd
    - difference: largest relative difference between the two (over t, and dL/dh0 included)

    Raises RuntimeError if the two ways differ by more than AGREEMENT_TOLERANCE.
    """
    problem = make_gradient_flow_problem(N, T, D, H, seed)
    manual_backward = {"rnn": rnn_hidden_gradients_manual, "lstm": lstm_hidden_gradients_manual}
    results = {}
    for cell in ("rnn", "lstm"):
        arguments = (problem["x"], problem["h0"]) + problem[cell] + (problem["upstream"],)
        dh_manual, dh0_manual = manual_backward[cell](*arguments)            # (T, N, H), (N, H)
        dh_autograd, dh0_autograd = hidden_gradients_autograd(cell, *arguments)
        dh0_sequence = sequence_backward_dh0(cell, *arguments)               # (N, H)
        difference = max(
            relative_difference(dh_manual, dh_autograd),
            relative_difference(dh0_manual[None], dh0_autograd[None]),
            relative_difference(dh0_sequence[None], dh0_autograd[None]),
        )
        if not difference <= AGREEMENT_TOLERANCE:
            raise RuntimeError(
                f"gradient flow: the manual and autograd dL/dh_t of the {cell} differ by "
                f"{difference:.3e} (relative), more than {AGREEMENT_TOLERANCE:.0e}")
        results[cell] = {
            "manual": np.linalg.norm(dh_manual.reshape(T, -1), axis=1),      # (T,)
            "autograd": np.linalg.norm(dh_autograd.reshape(T, -1), axis=1),  # (T,)
            "difference": difference,
        }
    return results


def plot_gradient_flow(results, path, title):
    """Draw ||dL/dh_t|| against t on a log scale, manual as lines, autograd as markers.

    Inputs:
    - results: the dict returned by gradient_flow
    - path: where to write the PNG
    - title: figure title

    Returns:
    - path
    """
    Figure = _figure_class()
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    axes = figure.add_subplot()
    colours = {"rnn": "tab:red", "lstm": "tab:blue"}
    names = {"rnn": "vanilla RNN", "lstm": "LSTM"}
    for cell, curves in results.items():
        t = np.arange(len(curves["manual"]))
        axes.plot(t, np.maximum(curves["manual"], SMALLEST_PLOTTED_NORM), color=colours[cell],
                  linewidth=2, label=f"{names[cell]}, manual backward")
        axes.plot(t, np.maximum(curves["autograd"], SMALLEST_PLOTTED_NORM), linestyle="none",
                  marker="o", markersize=4, markerfacecolor="none", color=colours[cell],
                  label=f"{names[cell]}, autograd (max rel. diff {curves['difference']:.1e})")
    axes.set_yscale("log")
    axes.set_xlabel("timestep t (the loss sees only h at t = T-1)")
    axes.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    _make_parent_directory(path)
    figure.savefig(path, dpi=100)
    return path


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------

def _positive_int(text):
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {value}")
    return value


def build_parser():
    """The command line of rnn-gradient-flow."""
    parser = argparse.ArgumentParser(
        prog="rnn-gradient-flow",
        description="Plot ||dL/dh_t|| against t for a vanilla RNN and an LSTM, computed with the "
                    "manual backward and with autograd, for a loss on the last timestep only.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {rnn_autograd.__version__}")
    parser.add_argument("--T", type=_positive_int, default=60, help="sequence length (default 60)")
    parser.add_argument("--N", type=_positive_int, default=4, help="batch size (default 4)")
    parser.add_argument("--D", type=_positive_int, default=10, help="input size (default 10)")
    parser.add_argument("--H", type=_positive_int, default=32, help="hidden size (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="gradient_flow.png",
                        help="PNG to write (default gradient_flow.png)")
    return parser


def main(argv=None):
    """Entry point of `rnn-gradient-flow`; returns the exit status (0 ok, 1 mismatch, 2 usage)."""
    keep_freed_memory()  # this process is the command's own: see allocator.py
    arguments = build_parser().parse_args(argv)
    try:
        _figure_class()  # fail before the computation, with the install hint
    except PlotUnavailable as error:
        print(f"rnn-gradient-flow: {error}", file=sys.stderr)
        return 2
    try:
        results = gradient_flow(arguments.N, arguments.T, arguments.D, arguments.H, arguments.seed)
    except RuntimeError as error:
        print(f"rnn-gradient-flow: {error}", file=sys.stderr)
        return 1
    for cell, name in (("rnn", "vanilla RNN"), ("lstm", "LSTM")):
        norms = results[cell]["manual"]
        print(f"{name:12s} ||dL/dh_t||: t=T-1 {norms[-1]:.3e}, t=0 {norms[0]:.3e}; "
              f"manual vs autograd max relative difference {results[cell]['difference']:.2e}")
    title = (f"Gradient flow back in time: N={arguments.N}, T={arguments.T}, D={arguments.D}, "
             f"H={arguments.H}, seed={arguments.seed}\n"
             f"Wh scale {RNN_RECURRENT_SCALE} (RNN), {LSTM_RECURRENT_SCALE} (LSTM); "
             f"LSTM forget-gate bias {LSTM_FORGET_BIAS}")
    plot_gradient_flow(results, arguments.out, title)
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
