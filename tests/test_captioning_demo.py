"""The captioning demo: its task is fixed and honest, training with the manual layers lowers
the loss, the picture's manual and autograd gradients agree, and the command runs."""
import math
import sys

import numpy as np
import pytest

from rnn_autograd.demos import captioning

# Measured with H = 16 and seeds 0-3: after 60 Adam steps the loss per caption falls from about
# 21.5 to 8.3-8.6 (LSTM, ratio 0.39-0.40) and to 4.6-5.0 (RNN, ratio 0.21-0.22). The test asks
# for 0.5: a clear drop, with margin for other seeds and BLAS builds.
LOSS_DROP_RATIO = 0.5
STEPS = 60
SMALL_HIDDEN_SIZE = 16
# An untrained model (the course's small initial weights) scores every word about equally: each
# of the 7 or 8 words to predict costs about log V. 1 nat of slack per caption.
UNIFORM_SLACK = 1.0


@pytest.fixture(scope="module")
def task():
    return captioning.make_task()


def test_the_task_is_fixed_and_each_caption_is_its_vectors(task):
    again = captioning.make_task()
    np.testing.assert_array_equal(task.train_features, again.train_features)
    np.testing.assert_array_equal(task.held_out_captions, again.held_out_captions)
    assert task.train_features.shape == (captioning.TRAIN_EXAMPLES, captioning.FEATURE_SIZE)
    assert task.held_out_captions.shape == (captioning.HELD_OUT_EXAMPLES, captioning.CAPTION_LENGTH)
    idx_to_word = {index: word for word, index in task.word_to_idx.items()}
    for features, captions in ((task.train_features, task.train_captions),
                               (task.held_out_features, task.held_out_captions)):
        for vector, caption in zip(features, captions):
            assert captioning.decode(caption[1:], idx_to_word) == captioning.describe(vector)
    lengths = (task.train_captions != task.word_to_idx["<NULL>"]).sum(axis=1)
    assert set(lengths) == {8, 9}          # with and without a size word: some rows are padded
    assert set(task.train_captions[:, 0]) == {task.word_to_idx["<START>"]}


def test_describe_reads_the_largest_entry_of_each_block():
    vector = np.zeros(captioning.FEATURE_SIZE)
    vector[2] = 1.0        # colour block: blue
    vector[4 + 0] = 1.0    # shape block: circle
    vector[7 + 2] = 1.0    # size block: big
    vector[10 + 1] = 1.0   # position block: right
    assert captioning.describe(vector) == ["a", "big", "blue", "circle", "on", "the", "right"]
    vector[7 + 2], vector[7 + 1] = 0.0, 1.0   # size "none": no size word
    assert captioning.describe(vector) == ["a", "blue", "circle", "on", "the", "right"]


@pytest.mark.parametrize("cell_type", ["lstm", "rnn"])
def test_loss_falls_when_trained_with_the_manual_layers(task, cell_type):
    result = captioning.train(STEPS, cell_type, seed=0, hidden_size=SMALL_HIDDEN_SIZE, task=task)
    assert len(result.losses) == STEPS
    words_to_predict = (task.train_captions[:, 1:] != 0).sum(axis=1).mean()
    uniform_loss = words_to_predict * math.log(len(captioning.WORDS))
    assert abs(result.losses[0] - uniform_loss) < UNIFORM_SLACK
    assert np.mean(result.losses[-5:]) < LOSS_DROP_RATIO * result.losses[0]


def test_the_pictures_gradients_agree_between_manual_and_autograd(task):
    norms = captioning.gradient_norms(seed=1, task=task)
    for cell_type in ("rnn", "lstm"):
        assert norms[cell_type]["difference"] <= captioning.GRADIENT_AGREEMENT_TOLERANCE
        assert list(norms[cell_type]["manual"]) == list(captioning.PARAMETERS)
        for name in captioning.PARAMETERS:
            assert norms[cell_type]["manual"][name] > 0
            assert norms[cell_type]["manual"][name] == pytest.approx(
                norms[cell_type]["autograd"][name], rel=captioning.GRADIENT_AGREEMENT_TOLERANCE)


def test_command_trains_samples_and_draws(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "images" / "captioning.png"
    status = captioning.main(["--steps", "20", "--hidden", "8", "--examples", "2",
                              "--plot", str(path)])
    captured = capsys.readouterr()
    assert status == 0
    assert "loss per caption: initial" in captured.out
    assert "exact captions:" in captured.out
    assert captured.out.count("  target:  a ") == 2 and captured.out.count("  sampled: ") == 2
    assert "manual vs autograd max relative difference" in captured.out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000
    assert "step 20/20" in captured.err


def test_command_without_matplotlib_refuses_plot_before_training(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status = captioning.main(["--steps", "100000", "--plot", "captioning.png"])
    captured = capsys.readouterr()
    assert status == 2
    assert "pip install 'rnn-autograd[plot]'" in captured.err
    assert "step" not in captured.err


def test_command_rejects_bad_arguments():
    for arguments in (["--cell", "gru"], ["--steps", "0"], ["--hidden", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            captioning.main(arguments)
        assert exit_info.value.code == 2
