"""The character-level model trained with the manual layers: same losses as autograd, and it
learns."""
import io

import numpy as np
import pytest

from rnn_autograd.demos import charlm

# The manual and autograd gradients agree to float64 round-off (about 1e-15 relative); a few
# Adam steps feed that back into the weights without amplifying it much. 1e-10 is far above
# round-off and far below what any wrong gradient would give (1e-3 or more within a step).
SAME_LOSS_TOLERANCE = 1e-10
SAME_GRADIENT_TOLERANCE = 1e-10

# Measured with hidden size 32 and seeds 0 and 1: after 30 Adam steps the loss per character
# falls from about 4.03 to 2.4-2.6 (LSTM, ratio 0.62-0.65) and from 4.3 to 2.4 (RNN, ratio
# 0.55-0.56). The test asks for 0.8, a clear drop with margin for the noise of random batches.
LOSS_DROP_RATIO = 0.8
SMALL_HIDDEN_SIZE = 32  # keeps the tests fast; the command's default is larger


def _relative(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_manual_gradients_equal_autograd_gradients_on_one_batch(cell):
    text = charlm.load_text()
    vocabulary = charlm.make_vocabulary(text)
    rng = np.random.default_rng(3)
    params = charlm.init_params(cell, len(vocabulary.characters), 5, 6, rng)
    x, y = charlm.draw_batch(vocabulary.encode(text), 3, 7, rng)  # (N, T) = (3, 7)
    mask = rng.random((3, 7)) < 0.7                               # both values of the mask
    mask[0, 0], mask[0, 1] = True, False
    loss_manual, grads_manual = charlm.loss_and_gradients_manual(params, x, y, mask, cell)
    loss_autograd, grads_autograd = charlm.loss_and_gradients_autograd(params, x, y, mask, cell)
    assert loss_manual == pytest.approx(loss_autograd, rel=SAME_LOSS_TOLERANCE)
    assert grads_manual.keys() == params.keys() == grads_autograd.keys()
    for name in params:
        assert grads_manual[name].shape == params[name].shape
        assert _relative(grads_manual[name], grads_autograd[name]) < SAME_GRADIENT_TOLERANCE, name


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_training_with_manual_or_autograd_gradients_gives_the_same_losses(cell):
    manual_run = charlm.train(5, cell, "manual", seed=2, hidden_size=SMALL_HIDDEN_SIZE)
    autograd_run = charlm.train(5, cell, "autograd", seed=2, hidden_size=SMALL_HIDDEN_SIZE)
    assert len(manual_run.losses) == len(autograd_run.losses) == 5
    np.testing.assert_allclose(manual_run.losses, autograd_run.losses, rtol=SAME_LOSS_TOLERANCE,
                               atol=0)
    # the losses change from step to step: the comparison is not of five equal numbers
    assert len(set(manual_run.losses)) == 5
    for name in manual_run.params:
        assert _relative(manual_run.params[name], autograd_run.params[name]) < SAME_LOSS_TOLERANCE


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_loss_falls_on_the_shipped_text(cell):
    result = charlm.train(30, cell, "manual", seed=0, hidden_size=SMALL_HIDDEN_SIZE)
    initial = result.losses[0]
    final = np.mean(result.losses[-5:])
    vocabulary_size = len(result.vocabulary.characters)
    # an untrained model is close to guessing uniformly: log(V) nats per character
    assert abs(initial - np.log(vocabulary_size)) < 0.5
    assert final < LOSS_DROP_RATIO * initial, (initial, final)


def test_shipped_text_is_installed_and_a_few_kilobytes():
    text = charlm.load_text()
    assert 2_000 < len(text) < 20_000
    assert text.startswith("XVIII\n\nShall I compare thee to a summer's day?")
    vocabulary = charlm.make_vocabulary(text)
    assert vocabulary.decode(vocabulary.encode(text)) == text


def test_sample_continues_the_start_with_known_characters():
    result = charlm.train(3, "lstm", "manual", seed=0, hidden_size=SMALL_HIDDEN_SIZE)
    text = charlm.sample(result.params, "lstm", result.vocabulary, start="Love ", length=40, seed=1)
    assert text.startswith("Love ") and len(text) == len("Love ") + 40
    assert set(text) <= set(result.vocabulary.characters)
    again = charlm.sample(result.params, "lstm", result.vocabulary, start="Love ", length=40,
                          seed=1)
    assert again == text  # the seed fixes the sample


def test_adam_does_not_modify_its_arguments():
    params = {"w": np.array([1.0, -2.0])}
    grads = {"w": np.array([0.5, 0.5])}
    optimiser = charlm.Adam(params, learning_rate=0.1)
    new_params = optimiser.update(params, grads)
    np.testing.assert_array_equal(params["w"], [1.0, -2.0])
    np.testing.assert_array_equal(grads["w"], [0.5, 0.5])
    # the first Adam step moves each weight by the learning rate against its gradient's sign
    np.testing.assert_allclose(new_params["w"], [0.9, -2.1], rtol=1e-6)


def test_command_trains_compares_and_samples(capsys):
    status = charlm.main(["--steps", "3", "--hidden", "16", "--compare", "--sample-length", "20"])
    captured = capsys.readouterr()
    assert status == 0
    assert "manual   loss per character: initial" in captured.out
    assert "autograd loss per character: initial" in captured.out
    assert "largest relative difference between the two loss curves" in captured.out
    assert "largest relative difference between the gradients of the first batch" in captured.out
    assert "sample:\nShall I " in captured.out
    assert "3/3" not in captured.err  # no progress bar: stderr is not a terminal here


def test_progress_bar_is_drawn_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    charlm.train(3, "rnn", "manual", seed=0, hidden_size=SMALL_HIDDEN_SIZE, progress=terminal)
    charlm.train(3, "rnn", "manual", seed=0, hidden_size=SMALL_HIDDEN_SIZE, progress=pipe)
    assert "3/3" in terminal.getvalue() and "nats/char" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_command_rejects_an_unknown_cell(capsys):
    with pytest.raises(SystemExit) as exit_info:
        charlm.main(["--cell", "gru"])
    assert exit_info.value.code == 2


def test_compare_fails_when_the_manual_gradients_are_wrong(monkeypatch, capsys):
    right = charlm.loss_and_gradients_manual

    def swapped_gates(params, x, y, mask, cell):
        """A plausible bug: the i and f blocks of dWh exchanged."""
        loss, grads = right(params, x, y, mask, cell)
        H = params["Wh"].shape[0]
        dWh = grads["Wh"]
        wrong = dict(grads, Wh=np.concatenate([dWh[:, H:2 * H], dWh[:, :H], dWh[:, 2 * H:]],
                                              axis=1))
        return loss, wrong

    monkeypatch.setitem(charlm.GRADIENTS, "manual", swapped_gates)
    monkeypatch.setattr(charlm, "loss_and_gradients_manual", swapped_gates)
    status = charlm.main(["--steps", "10", "--hidden", "16", "--compare", "--sample-length", "0"])
    captured = capsys.readouterr()
    assert status == 1
    assert "the curves differ by more than" in captured.err
    assert "the first-batch gradients differ by more than" in captured.err


def test_first_batch_gradients_of_the_command_agree():
    difference = charlm.first_batch_gradient_difference("lstm", seed=4,
                                                        hidden_size=SMALL_HIDDEN_SIZE)
    assert 0 <= difference < charlm.GRADIENT_AGREEMENT_TOLERANCE
