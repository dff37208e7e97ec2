"""Pictures: the gradient-flow demo and the checker's error heatmap write PNGs; without matplotlib
both say how to install it."""
import sys

import numpy as np
import pytest

from rnn_autograd.demos import charlm
from rnn_autograd.demos import gradient_flow as plots
from rnn_autograd.gradcheck import heatmaps

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMALLEST_REAL_PNG = 5_000  # bytes: a figure with axes, curves and text is well above this


def _assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > SMALLEST_REAL_PNG


def test_gradient_flow_manual_and_autograd_agree_and_the_rnn_vanishes():
    results = plots.gradient_flow(N=3, T=60, D=5, H=8, seed=1)
    for cell in ("rnn", "lstm"):
        curves = results[cell]
        assert curves["manual"].shape == curves["autograd"].shape == (60,)
        assert curves["difference"] <= plots.AGREEMENT_TOLERANCE
        np.testing.assert_allclose(curves["manual"], curves["autograd"],
                                   rtol=plots.AGREEMENT_TOLERANCE)
    rnn, lstm = results["rnn"]["manual"], results["lstm"]["manual"]
    assert rnn[-1] == pytest.approx(lstm[-1])  # the same upstream gradient at t = T-1
    # what the picture shows: the vanilla RNN loses many orders of magnitude over 60 steps,
    # the LSTM (forget bias 3) keeps its gradient within a couple of them
    assert rnn[0] / rnn[-1] < 1e-6
    assert lstm[0] / lstm[-1] > 1e-3


def test_manual_step_loop_matches_the_sequence_backward():
    problem = plots.make_gradient_flow_problem(2, 6, 3, 4, seed=0)
    for cell, step_loop in (("rnn", plots.rnn_hidden_gradients_manual),
                            ("lstm", plots.lstm_hidden_gradients_manual)):
        arguments = (problem["x"], problem["h0"]) + problem[cell] + (problem["upstream"],)
        dh, dh0 = step_loop(*arguments)
        assert dh.shape == (6, 2, 4)
        np.testing.assert_array_equal(dh[-1], problem["upstream"])
        np.testing.assert_allclose(dh0, plots.sequence_backward_dh0(cell, *arguments), rtol=1e-10)


def test_gradient_flow_command_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "flow" / "gradient_flow.png"
    status = plots.main(["--T", "50", "--N", "2", "--D", "4", "--H", "6", "--seed", "3",
                         "--out", str(out)])
    assert status == 0
    _assert_png(out)
    printed = capsys.readouterr().out
    assert "vanilla RNN" in printed and "LSTM" in printed and "max relative difference" in printed


def test_error_heatmap_writes_a_png_with_gate_blocks_zeros_and_nan(tmp_path):
    pytest.importorskip("matplotlib")
    H = 5
    errors = np.abs(np.random.default_rng(0).standard_normal((4, 4 * H))) * 1e-3  # (T, 4H)
    errors[:, :H] = 0.0          # the i block exactly right
    errors[2, 3 * H] = np.nan    # one broken entry in the g block
    path = tmp_path / "heatmaps" / "lstm_backward_dx.png"
    returned = heatmaps.error_heatmap(errors, path, "lstm_backward: gate gradients", gate_size=H,
                                   column_label="gate column")
    assert returned == path
    _assert_png(path)


def test_error_heatmap_handles_all_zero_and_one_dimensional_errors(tmp_path):
    pytest.importorskip("matplotlib")
    zeros = tmp_path / "zeros.png"
    heatmaps.error_heatmap(np.zeros((3, 4)), zeros, "all exact")
    _assert_png(zeros)
    row = tmp_path / "row.png"
    heatmaps.error_heatmap(np.array([1e-9, 2e-3, 0.0, 5e-12]), row, "db", column_label="bias entry")
    _assert_png(row)


def test_error_heatmap_rejects_bad_errors(tmp_path):
    with pytest.raises(ValueError, match="4 \\* gate_size"):
        heatmaps.error_heatmap(np.zeros((3, 10)), tmp_path / "x.png", "t", gate_size=3)
    with pytest.raises(ValueError, match="absolute"):
        heatmaps.error_heatmap(-np.ones((3, 4)), tmp_path / "x.png", "t")
    with pytest.raises(ValueError, match="1-D or 2-D"):
        heatmaps.error_heatmap(np.zeros((2, 3, 4)), tmp_path / "x.png", "t")


def test_training_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    charlm.plot_loss_curves({"manual": [4.0, 3.0, 2.5], "autograd": [4.0, 3.0, 2.5]}, path, "loss")
    _assert_png(path)


@pytest.fixture
def without_matplotlib(monkeypatch):
    """Make `import matplotlib` fail as if it were not installed."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_gradient_flow_command_without_matplotlib_says_how_to_install(without_matplotlib,
                                                                      tmp_path, capsys):
    out = tmp_path / "flow.png"
    status = plots.main(["--T", "5", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    assert not out.exists()
    assert "pip install 'rnn-autograd[plot]'" in captured.err
    assert len(captured.err.strip().splitlines()) == 1  # one line, no traceback
    assert "Traceback" not in captured.err


def test_error_heatmap_without_matplotlib_raises_plot_unavailable(without_matplotlib, tmp_path):
    with pytest.raises(heatmaps.PlotUnavailable,
                       match=r"pip install 'rnn-autograd\[plot\]'") as error:
        heatmaps.error_heatmap(np.ones((2, 3)), tmp_path / "x.png", "t")
    assert isinstance(error.value, ImportError)
    assert not (tmp_path / "x.png").exists()


def test_training_command_without_matplotlib_refuses_plot_before_training(without_matplotlib,
                                                                          capsys):
    status = charlm.main(["--steps", "1000", "--plot", "loss.png"])
    captured = capsys.readouterr()
    assert status == 2
    assert "pip install 'rnn-autograd[plot]'" in captured.err
    assert "step" not in captured.err  # it stopped before training
