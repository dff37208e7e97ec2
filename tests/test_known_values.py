"""Known values: small `np.linspace` inputs with the expected outputs written out.

How the numbers were obtained (none comes from this project's code or from numpy):
- the recurrent layers: a plain-Python evaluation of the equations with mpmath at 40 digits
  (lists, `mpmath.tanh`, `1 / (1 + mpmath.exp(-z))`), printed to 15 significant digits. The
  forward values of rnn_step_forward, rnn_forward, lstm_step_forward and lstm_forward also agree
  with the 8 digits the course assignment itself prints for these very linspace inputs.
- gradients: rnn_step_backward's by the chain rule written out in mpmath (and one entry
  cross-checked with `mpmath.diff`); lstm_step_backward's db by `mpmath.diff`, numerical
  differentiation at 40 digits, independent of any backward formula.
- embedding, softmax and sigmoid: exact by hand (stated next to each).
Both trees are checked against the same numbers.
"""
import math

import autograd
import numpy as np
import pytest

import manual
import rnn_autograd

# The expected numbers carry 15 significant digits (relative rounding 5e-16), and float64 adds
# a few ulps per operation: 1e-12 relative is far above both, far below any real mistake.
KNOWN_RTOL = 1e-12
KNOWN_ATOL = 1e-14


def assert_known(actual, expected, what):
    actual = np.asarray(actual)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, expected {expected.shape}")
    assert actual.dtype == np.float64, what
    np.testing.assert_allclose(actual, expected, rtol=KNOWN_RTOL, atol=KNOWN_ATOL, err_msg=what)


def linspace(low, high, *shape):
    return np.linspace(low, high, num=math.prod(shape)).reshape(shape)


def rnn_step_case(N, D, H):
    return dict(x=linspace(-0.4, 0.7, N, D), prev_h=linspace(-0.2, 0.5, N, H),
                Wx=linspace(-0.1, 0.9, D, H), Wh=linspace(-0.3, 0.7, H, H),
                b=linspace(-0.2, 0.4, H))


def test_rnn_step_forward_known_values():
    inputs = rnn_step_case(N=3, D=10, H=4)  # the course assignment's own check
    expected = [
        [-0.581720889360952, -0.501820322558226, -0.412327708467521, -0.314100983952912],
        [0.668546923019615, 0.79562378115738, 0.877555528138377, 0.927959666082514],
        [0.979345005366639, 0.991442128845461, 0.996466910524876, 0.998543533169728],
    ]
    next_h, _ = manual.rnn_step_forward(**inputs)
    assert_known(next_h, expected, "manual next_h")
    assert_known(rnn_autograd.rnn_step(**inputs), expected, "autograd next_h")


def test_rnn_step_backward_known_values():
    inputs = rnn_step_case(N=2, D=3, H=4)
    dnext_h = linspace(-1, 1, 2, 4)
    # one row per line, in full precision: the long lines are the table's (noqa: E501)
    expected_next_h = [
        [-0.068920864287716, 0.0684383027870945, 0.203250896066068, 0.330773890136974],
        [0.5462141662605, 0.77678477087579, 0.897934731138643, 0.954996083043272],
    ]
    expected = dict(
        dprev_h=[[0.54566149317043, -0.0528141734264314, -0.651289840023293, -1.24976550662016],
                 [-0.101590605475324, 0.0308250061994039, 0.163240617874131, 0.295656229548859]],
        dWx=[[0.424161254642027, 0.328569232116699, 0.200322010299639, 0.0737662242197878],
             [0.227258133260514, 0.209556626179929, 0.140371974890005, 0.0651324416369431],
             [0.0303550118790013, 0.090544020243159, 0.0804219394803717, 0.0564986590540984]],
        db=[-0.895014188097785, -0.540966390621682, -0.27250016095288, -0.0392444662856576],
    )
    next_h, cache = manual.rnn_step_forward(**inputs)
    assert_known(next_h, expected_next_h, "manual next_h")
    names = ["x", "prev_h", "Wx", "Wh", "b"]
    gradients = dict(zip(names, manual.rnn_step_backward(dnext_h, cache)))
    for name, values in expected.items():
        assert_known(gradients[name[1:]], values, f"manual {name}")
        vjp, _ = autograd.make_vjp(rnn_autograd.rnn_step, argnum=names.index(name[1:]))(
            *inputs.values())
        assert_known(vjp(dnext_h), values, f"autograd {name}")


def test_rnn_forward_known_values():
    N, T, D, H = 2, 3, 4, 5
    inputs = dict(x=linspace(-0.1, 0.3, N, T, D), h0=linspace(-0.3, 0.1, N, H),
                  Wx=linspace(-0.2, 0.4, D, H), Wh=linspace(-0.4, 0.1, H, H),
                  b=linspace(-0.7, 0.1, H))
    # one row of h per line, in full precision: the long lines are the table's (noqa: E501)
    expected = [
        [[-0.420707494229366, -0.272792612359163, -0.110749451956742, 0.0574040860111774, 0.222362506984703],  # noqa: E501
         [-0.395258080822609, -0.225546605644127, -0.0409453971061505, 0.146494119259049, 0.323973160254725],  # noqa: E501
         [-0.423051111635482, -0.242237275511542, -0.0428702695006546, 0.159970446340094, 0.350145252712364]],  # noqa: E501
        [[-0.558574744739256, -0.390658246580007, -0.191981817746718, 0.0237840763237111, 0.23735670884057],  # noqa: E501
         [-0.271501986034906, -0.0708880427336676, 0.135629388661564, 0.330997276693168, 0.501587683769924],  # noqa: E501
         [-0.510148246177855, -0.305244285861966, -0.0675520165007145, 0.17806392056518, 0.403330429942195]],  # noqa: E501
    ]
    h, _ = manual.rnn_forward(**inputs)
    assert_known(h, expected, "manual h")
    assert_known(rnn_autograd.rnn(**inputs), expected, "autograd h")


def lstm_step_case():
    N, D, H = 3, 4, 5
    return dict(x=linspace(-0.4, 1.2, N, D), prev_h=linspace(-0.3, 0.7, N, H),
                prev_c=linspace(-0.4, 0.9, N, H), Wx=linspace(-2.1, 1.3, D, 4 * H),
                Wh=linspace(-0.7, 2.2, H, 4 * H), b=linspace(0.3, 0.7, 4 * H))


def test_lstm_step_forward_known_values():
    inputs = lstm_step_case()
    # one row per line, in full precision: the long lines are the table's (noqa: E501)
    expected_next_h = [
        [0.246351571213056, 0.286108831020461, 0.322404671769841, 0.355258065946212, 0.384749036059799],  # noqa: E501
        [0.492235633038887, 0.556114306611393, 0.615076956800621, 0.668440028482304, 0.715918104474383],  # noqa: E501
        [0.567356641205516, 0.663101268715901, 0.744192663897989, 0.808896649911818, 0.858298997623819],  # noqa: E501
    ]
    expected_next_c = [
        [0.329861763141113, 0.391451385447959, 0.451555999599839, 0.510141161449179, 0.567174073687274],  # noqa: E501
        [0.663822552463782, 0.766740067231234, 0.871959943192813, 0.979027094948747, 1.08751345237529],  # noqa: E501
        [0.741920078376854, 0.905921506678587, 1.0771700614501, 1.25120232617585, 1.42395676325926],
    ]
    next_h, next_c, _ = manual.lstm_step_forward(**inputs)
    assert_known(next_h, expected_next_h, "manual next_h")
    assert_known(next_c, expected_next_c, "manual next_c")
    next_h, next_c = rnn_autograd.lstm_step(**inputs)
    assert_known(next_h, expected_next_h, "autograd next_h")
    assert_known(next_c, expected_next_c, "autograd next_c")


def test_lstm_step_backward_known_bias_gradient():
    """db of <dnext_h, next_h> + <dnext_c, next_c>; its 4H entries follow the gates i, f, o, g,
    so a backward that packs the gates in another order fails here."""
    inputs = lstm_step_case()
    dnext_h, dnext_c = linspace(-1, 1, 3, 5), linspace(0.5, -0.5, 3, 5)
    expected_db = [
        -0.021784585985327, -0.0234794599150176, -0.0369617777440918, -0.0580323147918863,
        -0.0813609540315116,   # i
        0.0142464137244656, 0.00324825009096664, -0.0090910482623195, -0.0215451209529916,
        -0.032849402772641,    # f
        -0.0529262879039342, -0.0383421807978524, -0.0226597616775014, -0.00643934940310545,
        0.0102439524759269,    # o
        -0.061884820322211, -0.0455983357782953, -0.0309562644705253, -0.0185767356209155,
        -0.00900509836955209,  # g
    ]
    _, _, cache = manual.lstm_step_forward(**inputs)
    db = manual.lstm_step_backward(dnext_h, dnext_c, cache)[-1]
    assert_known(db, expected_db, "manual db")

    def both_outputs(b):
        return autograd.builtins.tuple(rnn_autograd.lstm_step(**dict(inputs, b=b)))
    vjp, _ = autograd.make_vjp(both_outputs)(inputs["b"])
    assert_known(vjp((dnext_h, dnext_c)), expected_db, "autograd db")


def test_lstm_forward_known_values():
    N, D, H, T = 2, 5, 4, 3
    inputs = dict(x=linspace(-0.4, 0.6, N, T, D), h0=linspace(-0.4, 0.8, N, H),
                  Wx=linspace(-0.2, 0.9, D, 4 * H), Wh=linspace(-0.3, 0.6, H, 4 * H),
                  b=linspace(0.2, 0.7, 4 * H))
    expected = [
        [[0.0176400830378116, 0.0182323321675706, 0.0188267070450383, 0.0194232031624358],
         [0.112874909196607, 0.121462284639779, 0.130184464428229, 0.139029387908402],
         [0.313587679327216, 0.33338627156384, 0.353044531129506, 0.372509747668258]],
        [[0.457678786595601, 0.47610919916287, 0.493688702344132, 0.510419452206302],
         [0.67048450090808, 0.693500890407698, 0.714860137768388, 0.734644902665951],
         [0.817335113903846, 0.836778712496834, 0.854037532336459, 0.869353142994741]],
    ]
    h, _ = manual.lstm_forward(**inputs)
    assert_known(h, expected, "manual h")
    assert_known(rnn_autograd.lstm(**inputs), expected, "autograd h")


def test_temporal_affine_known_values():
    """x = linspace(-1, 1, 12): each row is (a, a + 2/11, a + 4/11) with a = -1, -5/11, 1/11,
    7/11; w = linspace(-0.5, 0.5, 6) has columns (-0.5, -0.1, 0.3) and (-0.3, 0.1, 0.5), so
    out[..., 0] = -0.3 a + 1/11 + b0 and out[..., 1] = 0.3 a + 0.2 + b1 with b = (0.1, 0.2).
    db is the sum of dout over N and T; dx[0, 0] = dout[0, 0] w^T."""
    inputs = dict(x=linspace(-1, 1, 2, 2, 3), w=linspace(-0.5, 0.5, 3, 2), b=linspace(0.1, 0.2, 2))
    rows = [[-0.3 * a + 1 / 11 + 0.1, 0.3 * a + 0.2 + 0.2] for a in (-1, -5 / 11, 1 / 11, 7 / 11)]
    expected = np.reshape(rows, (2, 2, 2))   # e.g. out[1, 1] = (0, 6.5/11)
    out, cache = manual.temporal_affine_forward(**inputs)
    assert_known(out, expected, "manual out")
    assert_known(rnn_autograd.temporal_affine(**inputs), expected, "autograd out")
    dout = linspace(1, 8, 2, 2, 2)          # 1, 2, ..., 8
    dx, dw, db = manual.temporal_affine_backward(dout, cache)
    assert_known(db, [1 + 3 + 5 + 7, 2 + 4 + 6 + 8], "manual db")
    assert_known(dx[0, 0], [1 * -0.5 + 2 * -0.3, 1 * -0.1 + 2 * 0.1, 1 * 0.3 + 2 * 0.5],
                 "manual dx")


def test_word_embedding_known_values():
    """out[n, t] = W[x[n, t]]; row v of dW sums dout over the positions holding v: word 1 at
    three positions gets 1 + 4 + 6, word 4 (absent) gets 0."""
    W = linspace(0, 1.4, 5, 3)              # row v = (0.3 v, 0.3 v + 0.1, 0.3 v + 0.2)
    x = np.array([[1, 3, 0], [1, 2, 1]])
    out, cache = manual.word_embedding_forward(x, W)
    expected = [[[0.3, 0.4, 0.5], [0.9, 1.0, 1.1], [0.0, 0.1, 0.2]],
                [[0.3, 0.4, 0.5], [0.6, 0.7, 0.8], [0.3, 0.4, 0.5]]]
    assert_known(out, expected, "manual out")
    assert_known(rnn_autograd.word_embedding(x, W), expected, "autograd out")
    dout = np.repeat(np.arange(1.0, 7.0).reshape(2, 3, 1), 3, axis=2)  # position k holds k + 1
    expected_dW = [[3.0] * 3, [1 + 4 + 6.0] * 3, [5.0] * 3, [2.0] * 3, [0.0] * 3]
    assert_known(manual.word_embedding_backward(dout, cache), expected_dW, "manual dW")
    vjp, _ = autograd.make_vjp(rnn_autograd.word_embedding, argnum=1)(x, W)
    assert_known(vjp(dout), expected_dW, "autograd dW")


def test_temporal_softmax_loss_known_values():
    """Scores (0, log 2, log 3) give p = (1/6, 2/6, 3/6) exactly; label 2 costs -log(1/2) =
    log 2, label 0 costs log 6. Only the two True positions count, the sum is divided by N = 2:
    loss = (log 2 + log 6) / 2. dx = (p - onehot(y)) / N at those positions, 0 elsewhere."""
    scores = np.log([1.0, 2.0, 3.0])
    x = np.tile(scores, (2, 2, 1))                            # (N, T, V) = (2, 2, 3)
    y = np.array([[2, 1], [0, 0]])
    mask = np.array([[True, False], [True, False]])
    expected_loss = (math.log(2) + math.log(6)) / 2
    p = np.array([1, 2, 3]) / 6
    expected_dx = np.zeros((2, 2, 3))
    expected_dx[0, 0] = (p - [0, 0, 1]) / 2
    expected_dx[1, 0] = (p - [1, 0, 0]) / 2
    loss, dx = manual.temporal_softmax_loss(x, y, mask)
    assert_known(loss, expected_loss, "manual loss")
    assert_known(dx, expected_dx, "manual dx")
    assert_known(rnn_autograd.temporal_softmax_loss(x, y, mask), expected_loss, "autograd loss")
    assert_known(autograd.grad(rnn_autograd.temporal_softmax_loss)(x, y, mask), expected_dx,
                 "autograd dx")


def test_temporal_softmax_loss_of_equal_scores_is_log_V():
    """All scores equal: every counted position costs log V (the course's sanity check)."""
    x = np.zeros((4, 3, 10))
    y = np.arange(12).reshape(4, 3) % 10
    mask = np.ones((4, 3), dtype=bool)
    mask[0] = False                                           # 9 counted positions, N = 4
    loss, _ = manual.temporal_softmax_loss(x, y, mask)
    assert_known(loss, 9 / 4 * math.log(10), "manual loss")
    assert_known(rnn_autograd.temporal_softmax_loss(x, y, mask), 9 / 4 * math.log(10),
                 "autograd loss")


@pytest.mark.parametrize("sigmoid", [manual.sigmoid, rnn_autograd.sigmoid],
                         ids=["manual", "autograd"])
def test_sigmoid_known_values(sigmoid):
    """sigmoid(log k) = k / (k + 1): 1/2 at 0, 3/4 at log 3, 1/4 at -log 3, 0.9 at log 9."""
    x = np.log([1.0, 3.0, 1 / 3, 9.0])
    assert_known(sigmoid(x), [0.5, 0.75, 0.25, 0.9], "sigmoid")
    # derivative s (1 - s): 1/4, 3/16, 3/16, 0.09
    assert_known(autograd.elementwise_grad(sigmoid)(x), [0.25, 3 / 16, 3 / 16, 0.09], "gradient")
