"""The captioning model: manual.CaptioningRNN against its autograd twin, known values, finite
differences, greedy sampling, and bad input.

- loss and the eight gradients of `CaptioningRNN.loss` equal `rnn_autograd.captioning_loss`
  and autograd's gradient of it, for both cell types, on fixed cases chosen for what they
  cover (N = 1, T = 1 after slicing, <NULL> padding in some rows, a row that is all padding
  after <START>, V small so that words repeat) and on seeded random sizes; every parameter,
  biases included, is set to non-zero values here (the constructor starts the biases at 0,
  which would hide a projection that forgets b_proj);
- the course notebooks' own known losses, an exact hand-computed loss and gradient, and
  central finite differences of the manual loss on one tiny model;
- `sample` gives exactly the token sequences of `rnn_autograd.sample_captions`.
"""
import math

import autograd
import numpy as np
import pytest

import rnn_autograd
from layer_contracts.captioning import PARAMETER_NAMES
from layer_testing import assert_close
from manual import CaptioningRNN

# float64, the same math in both trees with the operations in a different order (fused vs
# per-step products, sums over N and T): a few ulps per operation over a few hundred operations.
# 1e-9 relative leaves a wide margin over that; a real mistake (a dropped term, a wrong mask,
# the wrong caption slice) moves a gradient by 1e-2 or more. The absolute part is scaled by the
# largest entry (see assert_close) for entries that cancel to nearly zero.
GRADIENT_RTOL = 1e-9
GRADIENT_ATOL = 1e-12
# The loss is one sum of at most a few dozen terms of order 1: 1e-12 relative is far above its
# rounding and far below any real difference.
LOSS_RTOL = 1e-12
# Central differences with step 1e-6 on a loss of order 1-10: truncation ~1e-12, rounding
# ~1e-10 / entry; 1e-6 relative (absolute part scaled) is far above both, far below a bug.
FD_STEP = 1e-6
FD_RTOL = 1e-6
FD_ATOL = 1e-7
# The course notebooks print their expected losses with 12 significant digits.
COURSE_LOSS_RTOL = 1e-11
# float32 model against float64: rounding of 6e-8 per operation over a few hundred operations.
FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-5

NULL, START, END = 0, 1, 2
CELL_TYPES = ("rnn", "lstm")


def vocabulary(V):
    """<NULL>, <START>, <END> and V - 3 ordinary words, indexed 0 .. V-1."""
    words = ["<NULL>", "<START>", "<END>"] + [f"word{k}" for k in range(V - 3)]
    return {word: index for index, word in enumerate(words)}


def make_model(cell_type, sizes, seed, dtype=np.float64):
    """A model with every parameter, biases included, drawn non-zero at moderate scale."""
    N, T1, D, W, H, V = (sizes[key] for key in ("N", "T1", "D", "W", "H", "V"))
    model = CaptioningRNN(vocabulary(V), input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=dtype)
    rng = np.random.default_rng([seed, 1])
    params = {}
    for name, value in model.params.items():
        if name.startswith("b"):
            params[name] = 0.5 * rng.standard_normal(value.shape)               # non-zero biases
        elif name == "W_embed":
            params[name] = rng.standard_normal(value.shape)                     # unit-scale inputs
        else:
            params[name] = rng.standard_normal(value.shape) / np.sqrt(value.shape[0])
    model.params = {name: value.astype(dtype) for name, value in params.items()}
    return model


def make_batch(sizes, seed, padding="some", dtype=np.float64):
    """features (N, D) and captions (N, T + 1): <START>, words, <END>, then <NULL> padding.

    padding: "none" (every caption fills the row), "some" (random lengths; with N > 1 row 0 is
    all padding after <START>), or "all" (every row is <START> and padding).
    """
    N, T1, D, V = sizes["N"], sizes["T1"], sizes["D"], sizes["V"]
    rng = np.random.default_rng([seed, 2])
    features = rng.standard_normal((N, D)).astype(dtype)
    captions = np.full((N, T1), NULL, dtype=np.int64)
    captions[:, 0] = START
    for n in range(N):
        if padding == "all" or (padding == "some" and n == 0 and N > 1):
            continue                                           # <START> then only <NULL>
        length = T1 - 1 if padding == "none" else int(rng.integers(1, T1))  # words after <START>
        words = rng.integers(END, V, size=length)              # <END> and ordinary words, repeats
        if padding != "none" and length < T1 - 1:
            words[-1] = END                                    # a caption that ends early
        captions[n, 1:1 + length] = words
    return features, captions


# (id, sizes, padding): each line says what it covers. T1 is T + 1, the caption length.
FIXED_CASES = [
    ("distinct", dict(N=3, T1=5, D=4, W=5, H=6, V=7), "some"),   # pairwise distinct D, W, H, V
    ("batch1", dict(N=1, T1=5, D=3, W=2, H=4, V=5), "some"),     # N = 1
    ("time1", dict(N=4, T1=2, D=3, W=4, H=2, V=5), "some"),      # T = 1 after slicing
    ("unit", dict(N=1, T1=2, D=1, W=1, H=1, V=3), "none"),        # N = T = H = 1
    ("full", dict(N=3, T1=4, D=2, W=3, H=5, V=4), "none"),       # no padding at all
    ("repeats", dict(N=5, T1=6, D=3, W=2, H=3, V=4), "some"),    # V = 4: 25 words, 2 of them real
]
RANDOM_SEEDS = range(4)


def _random_sizes(seed):
    rng = np.random.default_rng([seed, 3])
    return dict(N=int(rng.integers(1, 5)), T1=int(rng.integers(2, 7)), D=int(rng.integers(1, 6)),
                W=int(rng.integers(1, 6)), H=int(rng.integers(1, 6)), V=int(rng.integers(3, 8)))


CASES = [pytest.param(sizes, padding, 100 + index, id=name)
         for index, (name, sizes, padding) in enumerate(FIXED_CASES)]
CASES += [pytest.param(_random_sizes(seed), "some", seed, id=f"seed{seed}")
          for seed in RANDOM_SEEDS]


def twin_loss_and_gradients(model, features, captions):
    loss = rnn_autograd.captioning_loss(model.params, features, captions, model._null,
                                        model.cell_type)
    grads = autograd.grad(rnn_autograd.captioning_loss)(model.params, features, captions,
                                                       model._null, model.cell_type)
    return loss, grads


# ---------------------------------------------------------------------------------------------
# loss and gradients against the autograd twin
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes, padding, seed", CASES)
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_loss_and_gradients_match_autograd(cell_type, sizes, padding, seed):
    model = make_model(cell_type, sizes, seed)
    features, captions = make_batch(sizes, seed, padding)
    loss, grads = model.loss(features, captions)
    expected_loss, expected_grads = twin_loss_and_gradients(model, features, captions)
    assert loss == pytest.approx(expected_loss, rel=LOSS_RTOL, abs=LOSS_RTOL)
    assert list(grads) == list(PARAMETER_NAMES)
    for name in PARAMETER_NAMES:
        assert expected_grads[name].shape == model.params[name].shape
        assert_close(grads[name], expected_grads[name], GRADIENT_RTOL, GRADIENT_ATOL,
                     f"{cell_type}: d{name}")
    assert np.any(grads["b_proj"] != 0)  # the projection's bias does get a gradient
    # <NULL> is fed in only after a caption's end, where every later step is masked: exactly 0
    assert np.all(grads["W_embed"][NULL] == 0)


def test_fixed_cases_cover_what_they_claim():
    """N = 1, T = 1, both values of the mask, a row of padding only, repeated words."""
    batches = [(sizes, make_batch(sizes, 100 + index, padding)[1])
               for index, (_, sizes, padding) in enumerate(FIXED_CASES)]
    assert any(sizes["N"] == 1 for sizes, _ in batches)
    assert any(sizes["T1"] == 2 for sizes, _ in batches)
    masks = [captions[:, 1:] != NULL for _, captions in batches]
    assert any(mask.any() and not mask.all() for mask in masks)
    assert any((~mask).all(axis=1).any() and mask.any() for mask in masks)  # one row all padding
    assert any(len(np.unique(captions[:, :-1])) < captions[:, :-1].size for _, captions in batches)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_a_batch_of_padding_only_has_zero_loss_and_exactly_zero_gradients(cell_type):
    sizes = dict(N=2, T1=4, D=3, W=2, H=3, V=5)
    model = make_model(cell_type, sizes, seed=5)
    features, captions = make_batch(sizes, 5, padding="all")
    loss, grads = model.loss(features, captions)
    assert loss == 0
    for name in PARAMETER_NAMES:
        assert np.all(grads[name] == 0), name
    assert rnn_autograd.captioning_loss(model.params, features, captions, NULL, cell_type) == 0


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_the_words_after_the_last_are_never_fed_in(cell_type):
    """captions[:, -1] is only predicted, never an input: changing it where it is padding
    changes nothing; changing it where it counts changes the loss but not W_embed's gradient
    of that word (unless it also occurs in captions_in)."""
    sizes = dict(N=2, T1=4, D=3, W=2, H=3, V=6)
    model = make_model(cell_type, sizes, seed=6)
    features, captions = make_batch(sizes, 6, padding="none")
    captions[:, :-1] = np.array([[START, 3, 3], [START, 4, 3]])
    loss, grads = model.loss(features, captions)
    changed = captions.copy()
    changed[:, -1] = 5                                       # word 5 occurs nowhere else
    other_loss, other_grads = model.loss(features, changed)
    assert other_loss != loss
    assert np.all(grads["W_embed"][5] == 0) and np.all(other_grads["W_embed"][5] == 0)


# ---------------------------------------------------------------------------------------------
# known values and finite differences
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell_type, feature_range, expected_loss", [
    ("rnn", (-1.5, 0.3), 9.83235591003),    # RNN_Captioning.ipynb
    ("lstm", (-0.5, 1.7), 9.82445935443),   # LSTM_Captioning.ipynb
])
def test_the_course_notebooks_known_losses(cell_type, feature_range, expected_loss):
    """The course's own check of CaptioningRNN.loss: every parameter linspace(-1.4, 1.3), the
    features a linspace, captions arange % V, and a vocabulary whose indices are not 0 .. V-1
    (the course's {'<NULL>': 0, 'cat': 2, 'dog': 3}); the loss the notebook prints."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    V = len(word_to_idx)
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=np.float64)
    model.params = {name: np.linspace(-1.4, 1.3, num=value.size).reshape(value.shape)
                    for name, value in model.params.items()}
    features = np.linspace(*feature_range, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    loss, _ = model.loss(features, captions)
    assert loss == pytest.approx(expected_loss, rel=COURSE_LOSS_RTOL)
    twin = rnn_autograd.captioning_loss(model.params, features, captions, 0, cell_type)
    assert twin == pytest.approx(expected_loss, rel=COURSE_LOSS_RTOL)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_exact_loss_and_gradient_when_the_scores_ignore_the_network(cell_type):
    """With W_vocab = 0 every score is b_vocab = log(1, 2, 3, 4): p = (0.1, 0.2, 0.3, 0.4) at
    every position, whatever the image and the words. Captions [[S, 3, 2, 0], [S, 2, 0, 0]]
    score 3 positions: words 3, 2 in row 0 and 2 in row 1 (<END> = 2 counts, <NULL> does not);
    loss = -(log 0.4 + log 0.3 + log 0.3) / N with N = 2. db_vocab = (1/2) sum of
    (p - onehot(y)) over those 3 positions; no gradient reaches anything below W_vocab."""
    sizes = dict(N=2, T1=4, D=3, W=2, H=3, V=4)
    model = make_model(cell_type, sizes, seed=8)
    model.params["W_vocab"] = np.zeros_like(model.params["W_vocab"])
    model.params["b_vocab"] = np.log([1.0, 2.0, 3.0, 4.0])
    features = np.random.default_rng(8).standard_normal((2, 3))
    captions = np.array([[START, 3, 2, 0], [START, 2, 0, 0]])
    loss, grads = model.loss(features, captions)
    expected_loss = -(math.log(0.4) + math.log(0.3) + math.log(0.3)) / 2
    p = np.array([0.1, 0.2, 0.3, 0.4])
    expected_db_vocab = (3 * p - [0, 0, 2, 1]) / 2
    assert loss == pytest.approx(expected_loss, rel=LOSS_RTOL)
    np.testing.assert_allclose(grads["b_vocab"], expected_db_vocab, rtol=LOSS_RTOL, atol=1e-15)
    for name in ("W_proj", "b_proj", "W_embed", "Wx", "Wh", "b"):
        assert np.all(grads[name] == 0), name
    assert np.any(grads["W_vocab"] != 0)     # h is not zero, so W_vocab still learns


def _finite_differences(model, features, captions):
    """Central differences of model.loss along every coordinate of every parameter."""
    gradients = {}
    original = model.params
    for name, value in original.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            losses = []
            for sign in (+1, -1):
                probe = value.copy()
                probe[index] += sign * FD_STEP
                model.params = dict(original, **{name: probe})
                losses.append(model.loss(features, captions)[0])
            gradient[index] = (losses[0] - losses[1]) / (2 * FD_STEP)
        gradients[name] = gradient
    model.params = original
    return gradients


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradients_match_finite_differences_on_a_tiny_model(cell_type):
    """The course's own check, with every parameter probed (about 100 coordinates)."""
    sizes = dict(N=2, T1=4, D=3, W=2, H=3, V=4)
    model = make_model(cell_type, sizes, seed=9)
    features, captions = make_batch(sizes, 9, padding="some")
    _, grads = model.loss(features, captions)
    expected = _finite_differences(model, features, captions)
    for name in PARAMETER_NAMES:
        assert_close(grads[name], expected[name], FD_RTOL, FD_ATOL, f"{cell_type}: d{name}")


# ---------------------------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("max_length", [1, 7])
@pytest.mark.parametrize("sizes, padding, seed", CASES[:4])
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_sample_gives_the_twins_greedy_captions(cell_type, sizes, padding, seed, max_length):
    model = make_model(cell_type, sizes, seed)
    features, _ = make_batch(sizes, seed, padding)
    captions = model.sample(features, max_length=max_length)
    expected = rnn_autograd.sample_captions(model.params, features, model._start, cell_type,
                                            max_length)
    assert captions.shape == (sizes["N"], max_length) and captions.dtype == np.int32
    np.testing.assert_array_equal(captions, expected)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_sample_starts_from_start_and_runs_past_end(cell_type):
    """A model that always prefers <END> writes <END> at every one of the max_length steps;
    the first word depends on <START>'s embedding, not on a <NULL> fed in."""
    sizes = dict(N=3, T1=3, D=2, W=3, H=4, V=5)
    model = make_model(cell_type, sizes, seed=10)
    model.params["b_vocab"] = np.where(np.arange(5) == END, 50.0, 0.0)
    features, _ = make_batch(sizes, 10)
    np.testing.assert_array_equal(model.sample(features, max_length=6), np.full((3, 6), END))
    model = make_model(cell_type, sizes, seed=11)
    first = model.sample(features, max_length=1)
    model.params["W_embed"] = model.params["W_embed"].copy()
    model.params["W_embed"][NULL] += 10.0                    # <NULL>'s vector is never fed in
    np.testing.assert_array_equal(model.sample(features, max_length=1), first)
    model.params["W_embed"][START] += 10.0                   # <START>'s is
    changed = rnn_autograd.sample_captions(model.params, features, START, cell_type, 1)
    np.testing.assert_array_equal(model.sample(features, max_length=1), changed)


def test_sample_of_length_zero_is_empty():
    sizes = dict(N=2, T1=3, D=2, W=3, H=4, V=5)
    model = make_model("lstm", sizes, seed=12)
    features, _ = make_batch(sizes, 12)
    assert model.sample(features, max_length=0).shape == (2, 0)
    assert rnn_autograd.sample_captions(model.params, features, START, "lstm", 0).shape == (2, 0)


# ---------------------------------------------------------------------------------------------
# the constructor, dtypes, no mutation
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell_type, gates", [("rnn", 1), ("lstm", 4)])
def test_constructor_makes_the_courses_parameters(cell_type, gates):
    V, D, W, H = 6, 7, 5, 4
    np.random.seed(231)
    model = CaptioningRNN(vocabulary(V), input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type)
    np.random.seed(231)
    again = CaptioningRNN(vocabulary(V), input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type)
    shapes = dict(W_proj=(D, H), b_proj=(H,), W_embed=(V, W), Wx=(W, gates * H),
                  Wh=(H, gates * H), b=(gates * H,), W_vocab=(H, V), b_vocab=(V,))
    assert set(model.params) == set(PARAMETER_NAMES)
    for name, shape in shapes.items():
        assert model.params[name].shape == shape and model.params[name].dtype == np.float32
        np.testing.assert_array_equal(model.params[name], again.params[name])  # np.random.seed
    for name in ("b_proj", "b", "b_vocab"):
        assert np.all(model.params[name] == 0)
    assert (model._null, model._start, model._end) == (NULL, START, END)
    assert model.idx_to_word[END] == "<END>" and model.cell_type == cell_type
    assert np.abs(model.params["W_embed"]).max() < 0.1      # N(0, 1) / 100
    other = CaptioningRNN(vocabulary(V), D, W, H, cell_type, np.float64,
                          rng=np.random.default_rng(0))
    assert other.params["Wx"].dtype == np.float64


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_float32_model_stays_float32_and_close_to_float64(cell_type):
    sizes = dict(N=3, T1=5, D=4, W=5, H=6, V=7)
    wide = make_model(cell_type, sizes, seed=13)
    narrow = make_model(cell_type, sizes, seed=13, dtype=np.float32)
    features, captions = make_batch(sizes, 13)
    loss64, grads64 = wide.loss(features, captions)
    loss32, grads32 = narrow.loss(features, captions)          # float64 features, converted
    assert np.asarray(loss32).dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=FLOAT32_RTOL)
    for name in PARAMETER_NAMES:
        assert_close(grads32[name], grads64[name].astype(np.float32), FLOAT32_RTOL, FLOAT32_ATOL,
                     f"{cell_type}: d{name}")


def test_loss_and_sample_change_nothing_they_are_given():
    sizes = dict(N=3, T1=5, D=4, W=5, H=6, V=7)
    model = make_model("lstm", sizes, seed=14)
    features, captions = make_batch(sizes, 14)
    for array in (features, captions, *model.params.values()):
        array.setflags(write=False)                           # a write would raise
    before = {name: value.copy() for name, value in model.params.items()}
    first = model.loss(features, captions)
    second = model.loss(features, captions)
    model.sample(features, max_length=4)
    assert first[0] == second[0]
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(first[1][name], second[1][name])
        np.testing.assert_array_equal(model.params[name], before[name])


# ---------------------------------------------------------------------------------------------
# bad input: the same message from both trees
# ---------------------------------------------------------------------------------------------

def _both_trees(model, features, captions):
    """(function name in the message, call) for the manual model and its twin."""
    return [
        ("CaptioningRNN.loss", lambda: model.loss(features, captions)),
        ("captioning_loss", lambda: rnn_autograd.captioning_loss(
            model.params, features, captions, model._null, model.cell_type)),
        ("captioning_loss", lambda: autograd.grad(rnn_autograd.captioning_loss)(
            model.params, features, captions, model._null, model.cell_type)),
    ]


BAD_LOSS_INPUTS = [
    ("features_rows", lambda f, c: (f[:, :-1], c), ValueError,
     r"features has shape \(3, 3\); expected \(N, D\) = \(3, 4\) \(D = 4 from W_proj\)$"),
    ("features_1d", lambda f, c: (f[0], c), ValueError,
     r"features has shape \(4,\); expected \(N, D\)"),
    ("features_int", lambda f, c: (f.astype(np.int64), c), TypeError,
     r"features must be a floating-point array, got dtype int64$"),
    ("features_list", lambda f, c: (f.tolist(), c), TypeError,
     r"features must be a numpy array, got list$"),
    ("captions_float", lambda f, c: (f, c.astype(np.float64)), TypeError,
     r"captions must hold integer indices, got dtype float64$"),
    ("captions_1d", lambda f, c: (f, c[0]), ValueError,
     r"captions has shape \(5,\); expected \(N, T \+ 1\) = \(3, T \+ 1\) "
     r"\(N = 3 from features\)$"),
    ("captions_rows", lambda f, c: (f, c[:2]), ValueError,
     r"captions has shape \(2, 5\); expected \(N, T \+ 1\) = \(3, T \+ 1\) "
     r"\(N = 3 from features\)$"),
    ("captions_one_word", lambda f, c: (f, c[:, :1]), ValueError,
     r"captions has shape \(3, 1\); expected \(N, T \+ 1\) with T \+ 1 >= 2"),
    ("captions_too_large", lambda f, c: (f, np.where(np.arange(5) == 2, 7, c)), ValueError,
     r"captions\[0, 2\] = 7 is too large; expected integers in 0 <= captions < V = 7$"),
    ("captions_negative", lambda f, c: (f, np.where(np.arange(5) == 3, -1, c)), ValueError,
     r"captions\[0, 3\] = -1 is negative"),
]


@pytest.mark.parametrize("change, error, pattern", [case[1:] for case in BAD_LOSS_INPUTS],
                         ids=[case[0] for case in BAD_LOSS_INPUTS])
def test_bad_features_or_captions_fail_alike_in_both_trees(change, error, pattern):
    sizes = dict(N=3, T1=5, D=4, W=5, H=6, V=7)
    model = make_model("lstm", sizes, seed=15)
    features, captions = change(*make_batch(sizes, 15))
    for function, call in _both_trees(model, features, captions):
        with pytest.raises(error, match=rf"^{function}: {pattern}"):
            call()


def test_missing_parameter_and_unknown_cell_type_fail_alike():
    sizes = dict(N=3, T1=5, D=4, W=5, H=6, V=7)
    model = make_model("rnn", sizes, seed=16)
    features, captions = make_batch(sizes, 16)
    params = dict(model.params)
    del params["b"]
    model.params = params
    for function, call in _both_trees(model, features, captions)[:2]:
        with pytest.raises(ValueError, match=rf"^{function}: params has no b; expected all of "
                           "W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab$"):
            call()
    with pytest.raises(ValueError, match=r"^captioning_loss: cell_type must be 'rnn' or 'lstm'; "
                                         r"got 'gru'$"):
        rnn_autograd.captioning_loss(params, features, captions, NULL, "gru")
    with pytest.raises(ValueError, match=r"^sample_captions: cell_type must be 'rnn' or 'lstm'; "
                                         r"got 'gru'$"):
        rnn_autograd.sample_captions(params, features, START, "gru")


@pytest.mark.parametrize("arguments, error, pattern", [
    (dict(cell_type="gru"), ValueError, r"cell_type must be 'rnn' or 'lstm'; got 'gru'$"),
    (dict(cell_type="LSTM"), ValueError, r"cell_type must be 'rnn' or 'lstm'; got 'LSTM'$"),
    (dict(word_to_idx={"<START>": 0, "a": 1}), ValueError, r"word_to_idx has no '<NULL>'"),
    (dict(word_to_idx=["<NULL>", "a"]), TypeError, r"word_to_idx must be a dict"),
    (dict(word_to_idx={"<NULL>": 0, "a": "1"}), TypeError,
     r"word_to_idx\['a'\] = '1'; expected an integer"),
    (dict(hidden_dim=0), ValueError, r"hidden_dim must be a positive integer; got 0$"),
    (dict(input_dim=2.5), ValueError, r"input_dim must be a positive integer; got 2.5$"),
    (dict(dtype=np.int32), TypeError, r"dtype must be a floating-point dtype"),
], ids=["gru", "upper_case", "no_null", "list", "string_index", "hidden0", "float_dim",
        "int_dtype"])
def test_constructor_rejects_bad_arguments(arguments, error, pattern):
    given = dict(word_to_idx=vocabulary(5), input_dim=3, wordvec_dim=2, hidden_dim=4)
    given.update(arguments)
    with pytest.raises(error, match=rf"^CaptioningRNN: {pattern}"):
        CaptioningRNN(**given)


def test_sample_rejects_bad_arguments():
    sizes = dict(N=2, T1=3, D=2, W=3, H=4, V=5)
    model = make_model("rnn", sizes, seed=17)
    features, _ = make_batch(sizes, 17)
    with pytest.raises(ValueError,
                       match=r"^CaptioningRNN.sample: max_length must be 0 or more; got -1$"):
        model.sample(features, max_length=-1)
    with pytest.raises(TypeError,
                       match=r"^CaptioningRNN.sample: max_length must be an integer; got 2.0$"):
        model.sample(features, max_length=2.0)
    with pytest.raises(ValueError, match=r"^CaptioningRNN.sample: features has shape \(2, 3\)"):
        model.sample(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^sample_captions: <START> = 5 is not a word index"):
        rnn_autograd.sample_captions(model.params, features, 5, "rnn")
    no_start = CaptioningRNN({"<NULL>": 0, "a": 1}, input_dim=2, wordvec_dim=3, hidden_dim=4)
    with pytest.raises(ValueError, match=r"^CaptioningRNN.sample: word_to_idx has no '<START>'"):
        no_start.sample(np.zeros((1, 2), dtype=np.float32))
