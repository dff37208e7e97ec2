"""Train the course's image-captioning model, built from the hand-written layers, on a tiny task.

Run it (--plot needs pip install 'rnn-autograd[plot]'):

    rnn-train-captioning                                   # LSTM, manual gradients
    rnn-train-captioning --cell rnn --steps 800 --seed 1
    rnn-train-captioning --plot captioning.png             # and the picture
    python -m rnn_autograd.demos.captioning --help

The task ships as code, not data: `make_task` draws a few hundred "images", each a vector of
FEATURE_SIZE numbers, and gives each one the caption that its vector determines. The vector is
four one-hot blocks (colour, shape, size, position) plus noise and a few dimensions of pure
noise; the caption names the largest entry of each block:

    <START> a big red circle on the left <END>        (size "none": no size word, one word less)

The model is manual.CaptioningRNN (word_embedding, rnn or lstm, temporal_affine,
temporal_softmax_loss and affine, forward and backward by hand), trained with Adam (the one
written out in rnn_autograd/demos/charlm.py). At the end it captions held-out images greedily
(CaptioningRNN.sample); a caption counts as right when its words up to the first <END> are
exactly the target's.

The picture has three panels: the gradient norm of each of the eight parameters for an RNN and
an LSTM model at initialisation, computed by the manual backward (bars) and by autograd
(markers, from rnn_autograd.captioning_loss), and the training loss of this run. The command
checks that the two gradients agree before it draws them.

Speed: the matrices are small, so BLAS runs on one thread when threadpoolctl is installed (see
rnn_autograd/demos/charlm.py for the measurement behind this).
"""
import argparse
import contextlib
import sys
import time
from typing import NamedTuple

import autograd
import numpy as np

import rnn_autograd
from manual import CaptioningRNN
from rnn_autograd.demos.charlm import Adam

# The task. Blocks of the feature vector, in order, and the words they stand for.
COLOURS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle")
SIZES = ("small", "none", "big")              # "none": the caption has no size word
POSITIONS = ("left", "right")
BLOCKS = (COLOURS, SHAPES, SIZES, POSITIONS)
NOISE_DIMENSIONS = 4                          # entries that mean nothing
FEATURE_SIZE = sum(len(block) for block in BLOCKS) + NOISE_DIMENSIONS  # D = 16
SIGNAL = 2.0        # a block's chosen entry is SIGNAL, the others 0, before the noise ...
NOISE = 0.3         # ... of standard deviation NOISE. The chosen entry minus another is
                    # N(2, 0.42^2), negative with probability 1.2e-6: the caption (the largest
                    # entry of each block) names the chosen entries in all but about 1 image in
                    # 10^5, so the words are about the image, not about the noise.
WORDS = ("<NULL>", "<START>", "<END>", "a", "on", "the") + tuple(
    word for block in BLOCKS for word in block if word != "none")   # V = 17
CAPTION_LENGTH = 9  # T + 1: <START> a [size] colour shape on the position <END>
TRAIN_EXAMPLES = 600
HELD_OUT_EXAMPLES = 100
TASK_SEED = 13      # the task is the same in every run; --seed changes the model and batches

# Model and training. With these the default LSTM run takes well under a minute on a shared
# 2-core machine and captions nearly every held-out image exactly.
WORDVEC_SIZE = 16   # W
HIDDEN_SIZE = 48    # H
BATCH_SIZE = 50
DEFAULT_STEPS = 1000
LEARNING_RATE = 5e-3
LOG_EVERY = 100     # steps between printed losses

# The manual and autograd gradient norms of the picture agree to float64 round-off (about
# 1e-15 relative); 1e-10 is far above that and far below any real mistake.
GRADIENT_AGREEMENT_TOLERANCE = 1e-10
PARAMETERS = ("W_proj", "b_proj", "W_embed", "Wx", "Wh", "b", "W_vocab", "b_vocab")


class CaptionTask(NamedTuple):
    word_to_idx: dict
    train_features: np.ndarray      # (TRAIN_EXAMPLES, D)
    train_captions: np.ndarray      # (TRAIN_EXAMPLES, CAPTION_LENGTH) int
    held_out_features: np.ndarray   # (HELD_OUT_EXAMPLES, D)
    held_out_captions: np.ndarray   # (HELD_OUT_EXAMPLES, CAPTION_LENGTH) int


class TrainingResult(NamedTuple):
    losses: list        # the seed's loss (summed over the words, averaged over the batch) per step
    model: CaptioningRNN
    seconds: float      # wall-clock time of the training loop


def describe(vector):
    """The words of the caption a feature vector determines: 'a [size] colour shape on the pos'.

    Inputs:
    - vector: (D,) one image's features

    Returns:
    - words: list of 6 or 7 words, without <START> and <END>
    """
    chosen, offset = [], 0
    for block in BLOCKS:
        chosen.append(block[int(np.argmax(vector[offset:offset + len(block)]))])
        offset += len(block)
    colour, shape, size, position = chosen
    return ["a"] + ([size] if size != "none" else []) + [colour, shape, "on", "the", position]


def encode(words, word_to_idx, length=CAPTION_LENGTH):
    """<START> words <END>, padded with <NULL> to `length` indices."""
    indices = ([word_to_idx["<START>"]] + [word_to_idx[word] for word in words]
               + [word_to_idx["<END>"]])
    return indices + [word_to_idx["<NULL>"]] * (length - len(indices))


def decode(indices, idx_to_word):
    """The words of a sampled caption up to its first <END> (without <START>, <END>, <NULL>)."""
    words = []
    for index in indices:
        word = idx_to_word[int(index)]
        if word == "<END>":
            break
        if word not in ("<NULL>", "<START>"):
            words.append(word)
    return words


def make_task(train=TRAIN_EXAMPLES, held_out=HELD_OUT_EXAMPLES, seed=TASK_SEED):
    """Draw the images and their captions, deterministically from `seed`.

    Each image picks one entry of each block uniformly, sets it to SIGNAL (the others to 0),
    adds N(0, NOISE^2) noise everywhere and appends NOISE_DIMENSIONS entries of the same noise.
    Its caption is describe(vector): a function of the vector alone.

    Returns:
    - CaptionTask with float64 features and int64 captions
    """
    rng = np.random.default_rng(seed)
    word_to_idx = {word: index for index, word in enumerate(WORDS)}
    count = train + held_out
    signal = []
    for block in BLOCKS:
        one_hot = np.zeros((count, len(block)))                   # (count, block size)
        one_hot[np.arange(count), rng.integers(0, len(block), size=count)] = SIGNAL
        signal.append(one_hot)
    signal.append(np.zeros((count, NOISE_DIMENSIONS)))
    features = np.concatenate(signal, axis=1) + NOISE * rng.standard_normal((count, FEATURE_SIZE))
    captions = np.array([encode(describe(vector), word_to_idx) for vector in features])
    return CaptionTask(word_to_idx, features[:train], captions[:train],
                       features[train:], captions[train:])


def make_model(task, cell_type, seed, hidden_size=HIDDEN_SIZE):
    """A float64 CaptioningRNN with the course's initialisation, drawn from `seed`."""
    return CaptioningRNN(task.word_to_idx, input_dim=FEATURE_SIZE, wordvec_dim=WORDVEC_SIZE,
                         hidden_dim=hidden_size, cell_type=cell_type, dtype=np.float64,
                         rng=np.random.default_rng(seed))


def train(steps=DEFAULT_STEPS, cell_type="lstm", seed=0, hidden_size=HIDDEN_SIZE, task=None,
          progress=None):
    """Train a CaptioningRNN on the task's training images with the manual gradients and Adam.

    Inputs:
    - steps: number of Adam updates, each on BATCH_SIZE random training images
    - cell_type: 'rnn' or 'lstm'
    - seed: fixes the initial parameters and the batches
    - hidden_size: H
    - task: a CaptionTask; None for make_task()
    - progress: a stream for a line every LOG_EVERY steps, or None for silence

    Returns:
    - TrainingResult(losses, model, seconds)
    """
    task = make_task() if task is None else task
    model = make_model(task, cell_type, seed, hidden_size)
    optimiser = Adam(model.params, learning_rate=LEARNING_RATE)
    batch_rng = np.random.default_rng([seed, 1])
    losses = []
    started = time.perf_counter()
    for step in range(1, steps + 1):
        batch = batch_rng.choice(len(task.train_features), size=BATCH_SIZE, replace=False)
        loss, grads = model.loss(task.train_features[batch], task.train_captions[batch])
        losses.append(float(loss))
        model.params = optimiser.update(model.params, grads)
        if progress is not None and (step % LOG_EVERY == 0 or step in (1, steps)):
            progress.write(f"step {step}/{steps}  loss {loss:.3f}  "
                           f"{time.perf_counter() - started:.1f} s\n")
            progress.flush()
    return TrainingResult(losses, model, time.perf_counter() - started)


def caption_accuracy(model, features, captions):
    """Fraction of images whose greedy caption, up to its first <END>, is exactly the target."""
    sampled = model.sample(features, max_length=CAPTION_LENGTH)
    right = [decode(got, model.idx_to_word) == decode(want[1:], model.idx_to_word)
             for got, want in zip(sampled, captions)]
    return float(np.mean(right))


def gradient_norms(seed=0, task=None):
    """The norm of each parameter's gradient at initialisation, manual and autograd, both cells.

    On the first training batch of `train(seed=seed)`, with the course's initial values.

    Returns a dict mapping "rnn" and "lstm" to a dict with:
    - manual: {parameter: ||gradient||} from CaptioningRNN.loss
    - autograd: {parameter: ||gradient||} from autograd.grad(rnn_autograd.captioning_loss)
    - difference: largest relative difference between the two gradients, over the parameters

    Raises RuntimeError if the two differ by more than GRADIENT_AGREEMENT_TOLERANCE.
    """
    task = make_task() if task is None else task
    batch = np.random.default_rng([seed, 1]).choice(len(task.train_features), size=BATCH_SIZE,
                                                     replace=False)
    features, captions = task.train_features[batch], task.train_captions[batch]
    results = {}
    for cell_type in ("rnn", "lstm"):
        model = make_model(task, cell_type, seed)
        _, manual_grads = model.loss(features, captions)
        autograd_grads = autograd.grad(rnn_autograd.captioning_loss)(
            model.params, features, captions, model._null, cell_type)
        difference = max(np.max(np.abs(manual_grads[name] - autograd_grads[name]))
                         / max(np.max(np.abs(autograd_grads[name])), np.finfo(float).tiny)
                         for name in PARAMETERS)
        if not difference <= GRADIENT_AGREEMENT_TOLERANCE:
            raise RuntimeError(f"captioning: the manual and autograd gradients of the {cell_type} "
                               f"model differ by {difference:.3e} (relative), more than "
                               f"{GRADIENT_AGREEMENT_TOLERANCE:.0e}")
        results[cell_type] = {
            "manual": {name: float(np.linalg.norm(manual_grads[name])) for name in PARAMETERS},
            "autograd": {name: float(np.linalg.norm(autograd_grads[name])) for name in PARAMETERS},
            "difference": difference,
        }
    return results


def plot(norms, losses, path, title):
    """Draw the gradient norms of both cells and the loss curve side by side; returns path.

    Inputs:
    - norms: the dict returned by gradient_norms
    - losses: training losses per step
    - path: PNG to write
    - title: figure title

    Raises rnn_autograd.demos.gradient_flow.PlotUnavailable if matplotlib is not installed.
    """
    from rnn_autograd.demos.gradient_flow import _figure_class, _make_parent_directory
    Figure = _figure_class()
    figure = Figure(figsize=(14, 4.6), layout="constrained")
    panels = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.1]})
    positions = np.arange(len(PARAMETERS))
    names = {"rnn": "vanilla RNN", "lstm": "LSTM"}
    colours = {"rnn": "tab:red", "lstm": "tab:blue"}
    for axes, cell_type in zip(panels[:2], ("rnn", "lstm")):
        curves = norms[cell_type]
        axes.bar(positions, [curves["manual"][name] for name in PARAMETERS],
                 color=colours[cell_type], alpha=0.6, label="manual backward")
        axes.plot(positions, [curves["autograd"][name] for name in PARAMETERS], linestyle="none",
                  marker="o", markersize=7, markerfacecolor="none", color="black",
                  label=f"autograd (max rel. diff {curves['difference']:.1e})")
        axes.set_yscale("log")
        low, high = axes.get_ylim()
        axes.set_ylim(low, high * 10)  # room for the legend above the tallest bar
        axes.set_xticks(positions, PARAMETERS, rotation=45)
        axes.set_ylabel("gradient norm at initialisation")
        axes.set_title(f"{names[cell_type]}: gradient of each parameter")
        axes.grid(True, axis="y", which="major", alpha=0.3)
        axes.legend(loc="upper right", fontsize="small")
    axes = panels[2]
    axes.plot(np.arange(1, len(losses) + 1), losses, color="tab:green", linewidth=1)
    axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("training loss per caption (nats)")
    axes.set_title("training with the manual gradients")
    axes.grid(True, which="major", alpha=0.3)
    figure.suptitle(title)
    _make_parent_directory(path)
    figure.savefig(path, dpi=100)
    return path


def _one_blas_thread():
    """Limit BLAS to one thread while training if threadpoolctl is there."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {value}")
    return value


def build_parser():
    """The command line of rnn-train-captioning."""
    parser = argparse.ArgumentParser(
        prog="rnn-train-captioning",
        description="Train the course's CaptioningRNN (affine -> word_embedding -> RNN or LSTM -> "
                    "temporal_affine -> temporal_softmax_loss, all hand-written) on a tiny "
                    "synthetic captioning task, then caption held-out images.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {rnn_autograd.__version__}")
    parser.add_argument("--steps", type=_positive_int, default=DEFAULT_STEPS,
                        help=f"Adam steps (default {DEFAULT_STEPS})")
    parser.add_argument("--cell", choices=("lstm", "rnn"), default="lstm",
                        help="recurrent layer (default lstm)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the model (default 0)")
    parser.add_argument("--hidden", type=_positive_int, default=HIDDEN_SIZE,
                        help=f"hidden size H (default {HIDDEN_SIZE})")
    parser.add_argument("--examples", type=_positive_int, default=3,
                        help="held-out captions to print (default 3)")
    parser.add_argument("--plot", metavar="PATH.png",
                        help="write the gradient norms and the loss curve as a PNG")
    return parser


def main(argv=None):
    """Entry point of `rnn-train-captioning`; returns the exit status (0 ok, 1 mismatch,
    2 usage)."""
    arguments = build_parser().parse_args(argv)
    if arguments.plot:
        from rnn_autograd.demos.gradient_flow import PlotUnavailable, _figure_class
        try:
            _figure_class()  # fail before training, not after it
        except PlotUnavailable as error:
            print(f"rnn-train-captioning: {error}", file=sys.stderr)
            return 2
    task = make_task()
    print(f"task: {len(task.train_features)} training and {len(task.held_out_features)} held-out "
          f"images of {FEATURE_SIZE} numbers, V = {len(WORDS)} words, captions of up to "
          f"{CAPTION_LENGTH} tokens")
    print(f"training a {arguments.cell.upper()} captioning model (H={arguments.hidden}) for "
          f"{arguments.steps} steps with the manual gradients", file=sys.stderr)
    with _one_blas_thread():
        result = train(arguments.steps, arguments.cell, arguments.seed, arguments.hidden, task,
                       progress=sys.stderr)
        model = result.model
        train_accuracy = caption_accuracy(model, task.train_features, task.train_captions)
        held_out_accuracy = caption_accuracy(model, task.held_out_features, task.held_out_captions)
        sampled = model.sample(task.held_out_features[:arguments.examples],
                               max_length=CAPTION_LENGTH)
    print(f"loss per caption: initial {result.losses[0]:.3f}, final {result.losses[-1]:.4f} "
          f"(last 10 steps' mean {np.mean(result.losses[-10:]):.4f}) in {result.seconds:.1f} s, "
          f"{arguments.steps} steps")
    print(f"exact captions: {train_accuracy:.0%} of the training images, {held_out_accuracy:.0%} "
          f"of the held-out images")
    for got, want in zip(sampled, task.held_out_captions):
        target = " ".join(decode(want[1:], model.idx_to_word))
        caption = " ".join(decode(got, model.idx_to_word))
        verdict = "right" if caption == target else "WRONG"
        print(f"  target:  {target}\n  sampled: {caption}  ({verdict})")
    if arguments.plot:
        try:
            norms = gradient_norms(arguments.seed, task)
        except RuntimeError as error:
            print(f"rnn-train-captioning: {error}", file=sys.stderr)
            return 1
        for cell_type in ("rnn", "lstm"):
            print(f"{cell_type:4s} gradient norms at initialisation: " + ", ".join(
                f"{name} {norms[cell_type]['manual'][name]:.2e}" for name in PARAMETERS)
                + "; manual vs autograd max relative difference "
                f"{norms[cell_type]['difference']:.1e}")
        title = (f"Image-captioning model (course CaptioningRNN) on the synthetic task, seed "
                 f"{arguments.seed}: {arguments.cell.upper()} H={arguments.hidden}, "
                 f"{arguments.steps} steps, held-out captions exact: {held_out_accuracy:.0%}")
        plot(norms, result.losses, arguments.plot, title)
        print(f"wrote {arguments.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
