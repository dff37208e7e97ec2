"""Train a character-level language model built from the hand-written layers, then sample it.

Run it (one command on a fresh install; --plot needs pip install 'rnn-autograd[plot]'):

    rnn-train-charlm                                   # LSTM, manual gradients, 600 steps
    rnn-train-charlm --cell rnn --steps 500 --seed 1   # a vanilla RNN instead
    rnn-train-charlm --grad autograd                   # gradients from rnn_autograd instead
    rnn-train-charlm --compare --plot loss.png         # both, and a picture of both curves
    python -m rnn_autograd.demos.charlm --help

The model is the seed's layers composed, nothing else:

    x (N, T)   -> word_embedding -> lstm (or rnn) -> temporal_affine  -> temporal_softmax_loss
    characters    (N, T, D)         (N, T, H)        (N, T, V) scores    scalar

Its gradients come either from the `manual` backward passes, called in reverse order by hand,
or from autograd differentiating the same forward composed from the `rnn_autograd` twins
(`autograd.make_vjp`). From one seed both runs see the same initial weights and the same
batches, so their loss curves agree to float64 round-off: the hand-written backward is not
only right on random test inputs, it trains a model exactly as the reference does.

The optimiser is Adam, written out below in five lines. The text is `data/sonnets.txt`,
seven of Shakespeare's sonnets (XVIII, XXIX, XXX, LV, LXXIII, CXVI, CXXX; published 1609,
public domain), about 4 KB. Losses are printed per character (the seed's loss divided by T),
in nats: a model that guesses uniformly over the V characters starts at log(V).

Speed: the matrices are small (32 x 128), so BLAS threads gain nothing and, on a machine
shared with other work, lose a lot waiting for each other. The command therefore runs BLAS on
one thread (threadpoolctl, a dependency of the package); benchmarks/README.md has the times.
The progress bar is tqdm's, on stderr, and only when stderr is a terminal.
"""
import argparse
import sys
import time
from importlib import resources
from typing import NamedTuple

import autograd
import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

import manual
import rnn_autograd
from rnn_autograd.demos.allocator import keep_freed_memory

TEXT_FILE = "sonnets.txt"

# Model and training sizes. With these the default LSTM run (manual gradients) takes well under a
# minute on a shared 2-core machine, and the model learns words and whole lines of the 4 KB text.
SEQUENCE_LENGTH = 32     # T: characters per training sequence
BATCH_SIZE = 32          # N: sequences per step
EMBEDDING_SIZE = 32      # D: size of each character's vector
HIDDEN_SIZE = 128        # H
DEFAULT_STEPS = 600

# Adam's usual constants; the rate is larger than the common 1e-3 because the model is small and
# the run is short (measured: 1e-2 falls fastest without spikes on this text).
LEARNING_RATE = 1e-2
FIRST_MOMENT_DECAY = 0.9
SECOND_MOMENT_DECAY = 0.999
ADAM_EPSILON = 1e-8

LSTM_FORGET_BIAS = 1.0   # start with the forget gate mostly open, the usual LSTM initialisation
SAMPLE_TEMPERATURE = 0.7  # below 1: sharper than the model's distribution, fewer typos

# --compare fails if the two loss curves differ by more than this (relative). The gradients
# agree to about 1e-15; training feeds each step's round-off into the next, and over 600 steps
# the measured gap grew to 4e-11 .. 2e-10 (it depends on the BLAS thread count). A gradient
# that points the wrong way moves the curve much further within 10 steps (measured: i and f
# blocks of dWh swapped, 5e-3; a biased dW_embed, 1e-4), so 1e-6 separates the two cases.
# But Adam divides each entry by its own running size: a gradient wrong only by a constant
# factor per entry trains exactly alike, and no loss curve can show it. So --compare also
# compares the two gradients of the first batch directly.
CURVE_AGREEMENT_TOLERANCE = 1e-6
# Those first-batch gradients differ by round-off only (measured about 1e-15 relative).
GRADIENT_AGREEMENT_TOLERANCE = 1e-10


class Vocabulary(NamedTuple):
    characters: str      # the V distinct characters of the text, sorted
    index: dict          # character -> its index in [0, V)

    def encode(self, text):
        """Characters -> (len(text),) integer indices."""
        return np.array([self.index[character] for character in text], dtype=np.int64)

    def decode(self, indices):
        """Integer indices -> the string they stand for."""
        return "".join(self.characters[index] for index in indices)


class TrainingResult(NamedTuple):
    losses: list         # loss per character (nats) of each step's batch, before its update
    params: dict         # the trained weights
    vocabulary: Vocabulary
    seconds: float       # wall-clock time of the training loop


def load_text():
    """Return the shipped training text (installed with the package as data/sonnets.txt)."""
    path = resources.files("rnn_autograd.demos").joinpath("data", TEXT_FILE)
    return path.read_text(encoding="utf-8")


def make_vocabulary(text):
    """The sorted distinct characters of text, and each one's index."""
    characters = "".join(sorted(set(text)))
    return Vocabulary(characters, {character: i for i, character in enumerate(characters)})


def init_params(cell, V, D, H, rng):
    """Draw the model's weights: each matrix N(0, 1/fan_in), biases zero (forget gate 1).

    Inputs:
    - cell: "lstm" or "rnn"
    - V, D, H: vocabulary, embedding and hidden sizes
    - rng: numpy Generator

    Returns a dict with:
    - W_embed: (V, D) character vectors
    - Wx: (D, 4H) or (D, H); Wh: (H, 4H) or (H, H); b: (4H,) or (H,)
    - W_vocab: (H, V), b_vocab: (V,) the output layer
    """
    G = 4 * H if cell == "lstm" else H  # width of the recurrent pre-activations
    b = np.zeros(G)
    if cell == "lstm":
        b[H:2 * H] = LSTM_FORGET_BIAS   # gates packed i, f, o, g
    return {
        "W_embed": rng.standard_normal((V, D)),                    # (V, D) unit-scale inputs
        "Wx": rng.standard_normal((D, G)) / np.sqrt(D),            # (D, G)
        "Wh": rng.standard_normal((H, G)) / np.sqrt(H),            # (H, G)
        "b": b,                                                    # (G,)
        "W_vocab": rng.standard_normal((H, V)) / np.sqrt(H),       # (H, V)
        "b_vocab": np.zeros(V),                                    # (V,)
    }


def loss_and_gradients_manual(params, x, y, mask, cell):
    """Forward through the manual layers, then their backward passes in reverse order.

    Inputs:
    - params: dict from init_params
    - x: (N, T) input characters; y: (N, T) the next characters; mask: (N, T) boolean
    - cell: "lstm" or "rnn"

    Returns a tuple of:
    - loss: scalar, summed over T and averaged over N (the seed's temporal_softmax_loss)
    - grads: dict with the same keys and shapes as params
    """
    forward, backward = {
        "lstm": (manual.lstm_forward, manual.lstm_backward),
        "rnn": (manual.rnn_forward, manual.rnn_backward),
    }[cell]
    N, H = x.shape[0], params["Wh"].shape[0]
    h0 = np.zeros((N, H))                                                              # (N, H)
    embedded, embed_cache = manual.word_embedding_forward(x, params["W_embed"])        # (N, T, D)
    h, recurrent_cache = forward(embedded, h0, params["Wx"], params["Wh"], params["b"])  # (N, T, H)
    scores, affine_cache = manual.temporal_affine_forward(h, params["W_vocab"], params["b_vocab"])
    loss, dscores = manual.temporal_softmax_loss(scores, y, mask)                      # (N, T, V)
    dh, dW_vocab, db_vocab = manual.temporal_affine_backward(dscores, affine_cache)    # (N, T, H)
    dembedded, _, dWx, dWh, db = backward(dh, recurrent_cache)                         # (N, T, D)
    dW_embed = manual.word_embedding_backward(dembedded, embed_cache)                  # (V, D)
    grads = {"W_embed": dW_embed, "Wx": dWx, "Wh": dWh, "b": db,
             "W_vocab": dW_vocab, "b_vocab": db_vocab}
    return float(loss), grads


def model_loss(params, x, y, mask, cell):
    """The same forward composed from the rnn_autograd twins; returns the scalar loss."""
    recurrent = {"lstm": rnn_autograd.lstm, "rnn": rnn_autograd.rnn}[cell]
    N, H = x.shape[0], params["Wh"].shape[0]
    embedded = rnn_autograd.word_embedding(x, params["W_embed"])                       # (N, T, D)
    h = recurrent(embedded, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])  # (N, T, H)
    scores = rnn_autograd.temporal_affine(h, params["W_vocab"], params["b_vocab"])     # (N, T, V)
    return rnn_autograd.temporal_softmax_loss(scores, y, mask)


def loss_and_gradients_autograd(params, x, y, mask, cell):
    """Same contract as loss_and_gradients_manual, with autograd's vector-Jacobian product."""
    vjp, loss = autograd.make_vjp(model_loss)(params, x, y, mask, cell)
    return float(loss), vjp(1.0)  # d(loss)/d(loss) = 1 pulled back to every weight


GRADIENTS = {"manual": loss_and_gradients_manual, "autograd": loss_and_gradients_autograd}


class Adam:
    """Adam (Kingma and Ba, 2015), written out: per-weight step sizes from running moments."""

    def __init__(self, params, learning_rate=LEARNING_RATE):
        self.learning_rate = learning_rate
        self.first_moment = {name: np.zeros_like(value) for name, value in params.items()}
        self.second_moment = {name: np.zeros_like(value) for name, value in params.items()}
        self.steps = 0

    def update(self, params, grads):
        """Return new weights one Adam step from params (neither argument is modified)."""
        self.steps += 1
        new_params = {}
        for name, value in params.items():
            gradient = grads[name]
            m = FIRST_MOMENT_DECAY * self.first_moment[name] + (1 - FIRST_MOMENT_DECAY) * gradient
            v = (SECOND_MOMENT_DECAY * self.second_moment[name]
                 + (1 - SECOND_MOMENT_DECAY) * gradient ** 2)
            self.first_moment[name], self.second_moment[name] = m, v
            m_unbiased = m / (1 - FIRST_MOMENT_DECAY ** self.steps)   # the moments start at 0
            v_unbiased = v / (1 - SECOND_MOMENT_DECAY ** self.steps)
            new_params[name] = (value - self.learning_rate * m_unbiased
                                / (np.sqrt(v_unbiased) + ADAM_EPSILON))
        return new_params


def draw_batch(encoded, N, T, rng):
    """Cut N random windows of T + 1 characters: inputs x (N, T), targets y = x shifted by one."""
    starts = rng.integers(0, len(encoded) - T, size=N)     # (N,)
    windows = encoded[starts[:, None] + np.arange(T + 1)]  # (N, T + 1)
    return windows[:, :-1], windows[:, 1:]


def _start(cell, seed, text, hidden_size):
    """Vocabulary, encoded text, initial weights and batch generator: the same for any gradients."""
    text = load_text() if text is None else text
    if len(text) <= SEQUENCE_LENGTH:
        raise ValueError(f"train: text must be longer than {SEQUENCE_LENGTH} characters")
    vocabulary = make_vocabulary(text)
    encoded = vocabulary.encode(text)                     # (characters in the text,)
    init_rng, batch_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    params = init_params(cell, len(vocabulary.characters), EMBEDDING_SIZE, hidden_size, init_rng)
    return vocabulary, encoded, params, batch_rng


def first_batch_gradient_difference(cell="lstm", seed=0, text=None, hidden_size=HIDDEN_SIZE):
    """Largest relative difference between manual and autograd gradients on train()'s first batch.

    Returns:
    - difference: max over the weights of max|manual - autograd| / max|autograd|
    """
    _, encoded, params, batch_rng = _start(cell, seed, text, hidden_size)
    x, y = draw_batch(encoded, BATCH_SIZE, SEQUENCE_LENGTH, batch_rng)  # (N, T) each
    mask = np.ones((BATCH_SIZE, SEQUENCE_LENGTH), dtype=bool)
    _, manual_grads = loss_and_gradients_manual(params, x, y, mask, cell)
    _, autograd_grads = loss_and_gradients_autograd(params, x, y, mask, cell)
    return max(np.max(np.abs(manual_grads[name] - autograd_grads[name]))
               / np.max(np.abs(autograd_grads[name])) for name in params)


def train(steps=DEFAULT_STEPS, cell="lstm", gradients="manual", seed=0, text=None,
          hidden_size=HIDDEN_SIZE, progress=None):
    """Train the character-level model with Adam and return its loss curve.

    Inputs:
    - steps: number of Adam updates
    - cell: "lstm" or "rnn"
    - gradients: "manual" or "autograd", where the gradients come from
    - seed: fixes the initial weights and the sequence of batches (the same for both gradients)
    - text: training text; None for the shipped sonnets
    - hidden_size: H
    - progress: a stream (e.g. sys.stderr) for a tqdm progress bar, shown only if the stream
      is a terminal; None for no bar

    Returns:
    - TrainingResult(losses, params, vocabulary, seconds)
    """
    if cell not in ("lstm", "rnn"):
        raise ValueError(f"train: cell must be 'lstm' or 'rnn'; got {cell!r}")
    if gradients not in GRADIENTS:
        raise ValueError(f"train: gradients must be 'manual' or 'autograd'; got {gradients!r}")
    vocabulary, encoded, params, batch_rng = _start(cell, seed, text, hidden_size)
    optimiser = Adam(params)
    mask = np.ones((BATCH_SIZE, SEQUENCE_LENGTH), dtype=bool)  # every position counts
    loss_and_gradients = GRADIENTS[gradients]
    losses = []
    # disable=None: tqdm draws only when the stream is a terminal (not in a pipe, a log or CI)
    bar = tqdm(total=steps, file=progress, disable=True if progress is None else None,
               unit="step", leave=True)
    started = time.perf_counter()
    with bar:
        for _ in range(steps):
            x, y = draw_batch(encoded, BATCH_SIZE, SEQUENCE_LENGTH, batch_rng)  # (N, T) each
            loss, grads = loss_and_gradients(params, x, y, mask, cell)
            losses.append(loss / SEQUENCE_LENGTH)        # per character: the loss sums over T
            params = optimiser.update(params, grads)
            bar.set_postfix_str(f"loss {losses[-1]:.3f} nats/char", refresh=False)
            bar.update()
    return TrainingResult(losses, params, vocabulary, time.perf_counter() - started)


def sample(params, cell, vocabulary, start="Shall I ", length=300, seed=0,
           temperature=SAMPLE_TEMPERATURE):
    """Generate text one character at a time with the manual step forward functions.

    Inputs:
    - params: trained weights; cell: "lstm" or "rnn"; vocabulary: from training
    - start: characters fed in first (each must occur in the training text)
    - length: number of characters to generate after start
    - seed: seed of the sampling
    - temperature: scores are divided by it before the softmax

    Returns:
    - text: start followed by the generated characters
    """
    rng = np.random.default_rng(seed)
    H = params["Wh"].shape[0]
    prev_h, prev_c = np.zeros((1, H)), np.zeros((1, H))                # (1, H) a batch of one
    indices = list(vocabulary.encode(start))
    for position in range(len(indices) + length - 1):
        character = np.array([[indices[position]]])                    # (1, 1)
        embedded, _ = manual.word_embedding_forward(character, params["W_embed"])  # (1, 1, D)
        if cell == "lstm":
            prev_h, prev_c, _ = manual.lstm_step_forward(
                embedded[:, 0], prev_h, prev_c, params["Wx"], params["Wh"], params["b"])
        else:
            prev_h, _ = manual.rnn_step_forward(
                embedded[:, 0], prev_h, params["Wx"], params["Wh"], params["b"])
        if position + 1 < len(indices):
            continue                                                   # still reading start
        scores, _ = manual.temporal_affine_forward(
            prev_h[:, None], params["W_vocab"], params["b_vocab"])     # (1, 1, V)
        scores = scores[0, 0] / temperature                            # (V,)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        indices.append(int(rng.choice(len(probabilities), p=probabilities)))
    return vocabulary.decode(indices)


def plot_loss_curves(curves, path, title):
    """Draw loss per character against step for each named curve; returns path.

    Inputs:
    - curves: dict name -> list of losses
    - path: PNG to write
    - title: figure title

    Raises rnn_autograd.demos.gradient_flow.PlotUnavailable if matplotlib is not installed.
    """
    from rnn_autograd.demos.gradient_flow import _figure_class, _make_parent_directory
    Figure = _figure_class()
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    styles = {"manual": {"linewidth": 2.5, "alpha": 0.6},
              "autograd": {"linewidth": 1, "linestyle": "--", "color": "black"}}
    for name, losses in curves.items():
        axes.plot(np.arange(1, len(losses) + 1), losses,
                  label=f"gradients from {name}", **styles.get(name, {}))
    axes.set_xlabel("step")
    axes.set_ylabel("training loss per character (nats)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend()
    _make_parent_directory(path)
    figure.savefig(path, dpi=100)
    return path


def _one_blas_thread():
    """Limit BLAS to one thread while training (see the module docstring)."""
    return threadpool_limits(limits=1, user_api="blas")


def build_parser():
    """The command line of rnn-train-charlm."""
    parser = argparse.ArgumentParser(
        prog="rnn-train-charlm",
        description="Train a character-level language model (word_embedding -> LSTM or RNN -> "
                    "temporal_affine -> temporal_softmax_loss) on the shipped sonnets with the "
                    "hand-written layers, then sample from it.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {rnn_autograd.__version__}")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"Adam steps (default {DEFAULT_STEPS})")
    parser.add_argument("--cell", choices=("lstm", "rnn"), default="lstm",
                        help="recurrent layer (default lstm)")
    parser.add_argument("--grad", choices=tuple(GRADIENTS), default="manual",
                        help="where gradients come from (default manual)")
    parser.add_argument("--compare", action="store_true",
                        help="train twice, with manual and with autograd gradients, and compare")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--hidden", type=int, default=HIDDEN_SIZE,
                        help=f"hidden size H (default {HIDDEN_SIZE})")
    parser.add_argument("--sample-length", type=int, default=300,
                        help="characters to sample at the end (default 300; 0 for none)")
    parser.add_argument("--plot", metavar="PATH.png", help="write the loss curve(s) as a PNG")
    return parser


def main(argv=None):
    """Entry point of `rnn-train-charlm`; returns the exit status (0 ok, 1 mismatch, 2 usage)."""
    keep_freed_memory()  # this process is the command's own: see allocator.py
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.steps < 1 or arguments.hidden < 1 or arguments.sample_length < 0:
        parser.error("--steps and --hidden must be positive, --sample-length not negative")
    if arguments.plot:
        from rnn_autograd.demos.gradient_flow import PlotUnavailable, _figure_class
        try:
            _figure_class()  # fail before training, not after it
        except PlotUnavailable as error:
            print(f"rnn-train-charlm: {error}", file=sys.stderr)
            return 2
    sources = ("manual", "autograd") if arguments.compare else (arguments.grad,)
    status = 0
    results = {}
    for source in sources:
        print(f"training a {arguments.cell.upper()} (H={arguments.hidden}) for {arguments.steps} "
              f"steps with {source} gradients", file=sys.stderr)
        with _one_blas_thread():
            results[source] = train(arguments.steps, arguments.cell, source, arguments.seed,
                                    hidden_size=arguments.hidden, progress=sys.stderr)
        result = results[source]
        print(f"{source:8s} loss per character: initial {result.losses[0]:.4f}, final "
              f"{result.losses[-1]:.4f} (last 10 steps' mean {np.mean(result.losses[-10:]):.4f}) "
              f"in {result.seconds:.1f} s, {arguments.steps} steps")
    if arguments.compare:
        manual_losses = np.array(results["manual"].losses)
        autograd_losses = np.array(results["autograd"].losses)
        difference = np.max(np.abs(manual_losses - autograd_losses) / np.abs(autograd_losses))
        print(f"largest relative difference between the two loss curves: {difference:.2e}")
        if not difference <= CURVE_AGREEMENT_TOLERANCE:
            print(f"rnn-train-charlm: the curves differ by more than "
                  f"{CURVE_AGREEMENT_TOLERANCE:.0e}: the manual gradients are not the autograd "
                  "ones",
                  file=sys.stderr)
            status = 1
        gradient_difference = first_batch_gradient_difference(
            arguments.cell, arguments.seed, hidden_size=arguments.hidden)
        print(f"largest relative difference between the gradients of the first batch: "
              f"{gradient_difference:.2e}")
        if not gradient_difference <= GRADIENT_AGREEMENT_TOLERANCE:
            print(f"rnn-train-charlm: the first-batch gradients differ by more than "
                  f"{GRADIENT_AGREEMENT_TOLERANCE:.0e}", file=sys.stderr)
            status = 1
    if arguments.plot:
        title = (f"Character-level {arguments.cell.upper()} on Shakespeare's sonnets, "
                 f"seed {arguments.seed}")
        if arguments.compare:
            title += f"\nlargest relative difference between the curves: {difference:.1e}"
        plot_loss_curves({name: result.losses for name, result in results.items()},
                         arguments.plot, title)
        print(f"wrote {arguments.plot}")
    if arguments.sample_length:
        result = results[sources[0]]
        print("sample:\n" + sample(result.params, arguments.cell, result.vocabulary,
                                   length=arguments.sample_length, seed=arguments.seed))
    return status


if __name__ == "__main__":
    sys.exit(main())
