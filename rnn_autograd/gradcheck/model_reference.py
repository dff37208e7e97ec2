"""What a correct captioning model answers, and what each usual mistake answers instead.

The correct loss is `rnn_autograd.captioning_loss`; `variant_loss` is the same model with one
of its choices changed (which words are fed in, which are scored, how the mask is made, where h0
comes from), so that a wrong answer can be matched with the mistake that gives exactly it. The
same for greedy decoding: `greedy_decoding` with a variant, and the margin of every choice (a
near-tie between two words makes the greedy choice depend on round-off, and such a case proves
nothing). Everything here is built from the autograd twins.
"""
from dataclasses import dataclass
from typing import NamedTuple

import autograd
import autograd.numpy as anp
import numpy as np

import rnn_autograd
from layer_contracts.captioning import PARAMETER_NAMES


class Tokens(NamedTuple):
    null: int
    start: int
    end: int


@dataclass(frozen=True)
class LossVariant:
    """One way to compute the captioning loss. The defaults are the course's model.

    fed: which words go in ("in" = captions[:, :-1], "out" = captions[:, 1:])
    scored: which words the scores are compared with ("out" or "in")
    mask: "out_null" (captions_out != <NULL>), "in_null", "end" (!= <END>), "zero" (!= 0),
          or "none" (every position counts)
    h0: "affine" (features W_proj + b_proj), "no_bias" (features W_proj) or "zero"
    """
    fed: str = "in"
    scored: str = "out"
    mask: str = "out_null"
    h0: str = "affine"


CORRECT = LossVariant()


@dataclass(frozen=True)
class Mistake:
    """A usual mistake: a stable id (JSON, tests), what it is in words, and the variants that
    compute it. `unused`: parameters the mistaken forward never reads, whose gradients a
    student's backward may still fill in any way (they are not compared when matching)."""
    id: str
    text: str
    variants: tuple
    unused: tuple = ()


LOSS_MISTAKES = (
    Mistake("captions_swapped", "captions_in and captions_out are swapped: the model is fed "
            "captions[:, 1:] and scored against captions[:, :-1]",
            (LossVariant(fed="out", scored="in", mask="in_null"),
             LossVariant(fed="out", scored="in"))),
    Mistake("scored_against_captions_in", "the scores are compared with captions_in, the words "
            "fed in, instead of captions_out = captions[:, 1:], the words that follow them",
            (LossVariant(scored="in"), LossVariant(scored="in", mask="in_null"))),
    Mistake("fed_captions_out", "the model is fed captions_out, the words to predict, instead of "
            "captions_in = captions[:, :-1]", (LossVariant(fed="out"),)),
    Mistake("mask_token", "the mask is made with <END> instead of <NULL> (self._null)",
            (LossVariant(mask="end"),)),
    Mistake("mask_token", "the mask is made with the index 0 instead of self._null, the index "
            "of <NULL>", (LossVariant(mask="zero"),)),
    Mistake("mask_missing", "<NULL> padding is scored: no mask, or one made with a token that "
            "captions_out never holds (such as <START>)", (LossVariant(mask="none"),)),
    Mistake("mask_from_captions_in", "the mask is made from captions_in instead of captions_out",
            (LossVariant(mask="in_null"),)),
    Mistake("projection_without_bias", "h0 is features @ W_proj, without + b_proj",
            (LossVariant(h0="no_bias"),), unused=("b_proj",)),
    Mistake("h0_not_from_projection", "h0 is zero: the image's projection never reaches the "
            "recurrent layer", (LossVariant(h0="zero"),), unused=("W_proj", "b_proj")),
)

RECURRENT = {"rnn": rnn_autograd.rnn, "lstm": rnn_autograd.lstm}


def variant_loss(params, features, captions, tokens, cell_type, variant=CORRECT):
    """The captioning loss computed the way `variant` says; CORRECT is captioning_loss."""
    W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = (params[name]
                                                            for name in PARAMETER_NAMES)
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]   # (N, T) each
    fed = captions_in if variant.fed == "in" else captions_out
    scored = captions_out if variant.scored == "out" else captions_in
    mask = {
        "out_null": captions_out != tokens.null,
        "in_null": captions_in != tokens.null,
        "end": captions_out != tokens.end,
        "zero": captions_out != 0,
        "none": np.ones(captions_out.shape, dtype=bool),
    }[variant.mask]                                                  # (N, T)
    if variant.h0 == "affine":
        h0 = rnn_autograd.affine(features, W_proj, b_proj)           # (N, H)
    elif variant.h0 == "no_bias":
        h0 = features @ W_proj                                       # (N, H)
    else:
        h0 = anp.zeros((features.shape[0], W_proj.shape[1]), dtype=features.dtype)
    x = rnn_autograd.word_embedding(fed, W_embed)                    # (N, T, W)
    h = RECURRENT[cell_type](x, h0, Wx, Wh, b)                       # (N, T, H)
    scores = rnn_autograd.temporal_affine(h, W_vocab, b_vocab)       # (N, T, V)
    return rnn_autograd.temporal_softmax_loss(scores, scored, mask)


def loss_and_gradients(params, features, captions, tokens, cell_type, variant=CORRECT):
    """(loss as a float64 number, {parameter: gradient}) of a variant, by autograd."""
    def loss(values):
        return variant_loss(values, features, captions, tokens, cell_type, variant)
    value, grads = autograd.value_and_grad(loss)(dict(params))
    return float(value), {name: np.asarray(grads[name]) for name in PARAMETER_NAMES}


# -- greedy decoding -------------------------------------------------------------------------

SAMPLE_MISTAKES = (
    Mistake("feeds_start_every_step", "<START> is fed in at every step instead of the word "
            "chosen at the step before", (dict(feed="start"),)),
    Mistake("h0_not_from_projection", "h0 is zero: the image's projection never reaches the "
            "recurrent layer", (dict(h0="zero"),)),
    Mistake("projection_without_bias", "h0 is features @ W_proj, without + b_proj",
            (dict(h0="no_bias"),)),
)


def greedy_decoding(params, features, tokens, cell_type, max_length, feed="chosen", h0="affine"):
    """Greedy captions and the margin of every choice.

    feed: "chosen" (the course: the word just chosen goes in next) or "start" (always <START>)
    h0: "affine", "no_bias" or "zero", as in LossVariant

    Returns a tuple of:
    - captions: (N, max_length) int64, the word chosen at every step
    - margins: (N, max_length) best score minus the second best, at every step
    """
    W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = (params[name]
                                                            for name in PARAMETER_NAMES)
    N = features.shape[0]
    if h0 == "affine":
        prev_h = rnn_autograd.affine(features, W_proj, b_proj)      # (N, H)
    elif h0 == "no_bias":
        prev_h = features @ W_proj
    else:
        prev_h = np.zeros((N, W_proj.shape[1]), dtype=features.dtype)
    prev_c = np.zeros_like(prev_h)
    words = np.full(N, tokens.start)
    chosen, margins = [], []
    for _ in range(max_length):
        x = rnn_autograd.word_embedding(words[:, None], W_embed)[:, 0]         # (N, W)
        if cell_type == "lstm":
            prev_h, prev_c = rnn_autograd.lstm_step(x, prev_h, prev_c, Wx, Wh, b)
        else:
            prev_h = rnn_autograd.rnn_step(x, prev_h, Wx, Wh, b)               # (N, H)
        scores = rnn_autograd.temporal_affine(prev_h[:, None], W_vocab, b_vocab)[:, 0]  # (N, V)
        best = np.argmax(scores, axis=1)                                       # (N,)
        top_two = np.sort(scores, axis=1)[:, -2:] if scores.shape[1] > 1 else np.zeros((N, 2))
        chosen.append(best)
        margins.append(top_two[:, 1] - top_two[:, 0])
        words = best if feed == "chosen" else np.full(N, tokens.start)
    if not chosen:
        return np.zeros((N, 0), dtype=np.int64), np.zeros((N, 0))
    return np.stack(chosen, axis=1), np.stack(margins, axis=1)


def first_end(captions, end):
    """(N,) the step of each row's first <END>, or the row's length if it has none."""
    found = captions == end
    return np.where(found.any(axis=1), found.argmax(axis=1), captions.shape[1])
