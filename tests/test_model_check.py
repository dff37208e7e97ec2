"""Acceptance suite of the model check (`check_model`, for `rnn-gradcheck --model`).

- every tests/impls/models/course2024/cs231n/classifiers/bug_*.py (one usual mistake each) is
  reported on the part its manifest EXPECTED names, with the status, the source ("model" or
  "layers"), the named mistake, the wrong arrays and the student's layers to blame, where the
  manifest gives them; the other part passes unless the manifest says it fails too;
- the correct course models pass: the 2018-2020 layout (`from cs231n.layers import *`), the
  2021-2024 layout (`from ..rnn_layers import *`), a sampler that stops at each caption's own
  <END>, and the bundled manual/captioning.py;
- bad input gives a status or a one-line error: no model class, the skeleton, a constructor
  with another signature, a loss without grads or with 7 of the 8;
- the cases cover what the issue asks for (N = 1, T = 1 after slicing, padding, a row of
  padding only, small V, both cells, non-zero biases, a float32 model, captions that end apart).
"""
import ast
import functools
import json
from pathlib import Path

import numpy as np
import pytest

import rnn_autograd
from layer_contracts.captioning import PARAMETER_NAMES
from rnn_autograd.gradcheck.loading import LoadError
from rnn_autograd.gradcheck.model import (
    MISTAKE_MATCH_TOLERANCE,
    ModelCase,
    _ModelChecker,
    case_data,
    check_model,
    find_model_class,
    model_cases,
)
from rnn_autograd.gradcheck.model_reference import CORRECT, LOSS_MISTAKES, Tokens, variant_loss
from rnn_autograd.gradcheck.report import render_failure, render_row, render_summary

MODELS = Path(__file__).resolve().parent / "impls" / "models"
CLASSIFIERS = MODELS / "course2024" / "cs231n" / "classifiers"
BUG_FILES = sorted(CLASSIFIERS.glob("bug_*.py"))
CORRECT_FILES = [MODELS / "course2019" / "cs231n" / "classifiers" / "rnn.py",
                 CLASSIFIERS / "rnn.py", CLASSIFIERS / "correct_stops_at_own_end.py",
                 Path(__file__).resolve().parents[1] / "manual" / "captioning.py"]
STATUSES = ("pass", "warn", "fail", "error", "not_implemented", "missing")
MISTAKE_IDS = {mistake.id for mistake in LOSS_MISTAKES} | {
    "fed_captions", "cell_type_ignored", "feeds_start_every_step", "stops_batch_at_first_end",
    "stores_the_word_fed_in"}
# The twins' loss and the checker's variant of the correct model are one computation written
# twice: equal to float64 round-off (1e-16 relative on losses of order 1-10).
SAME_LOSS_RTOL = 1e-13


def manifest(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXPECTED":
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
    raise AssertionError(f"{path.name} has no EXPECTED manifest")


@functools.lru_cache(maxsize=None)
def report_for(path):
    return check_model(str(path), seed=0)


bug_files = pytest.mark.parametrize("path", BUG_FILES,
                                    ids=[path.stem[len("bug_"):] for path in BUG_FILES])


def test_suite_holds_the_usual_mistakes():
    mistakes = {manifest(path)["mistake"] for path in BUG_FILES}
    assert len(BUG_FILES) >= 12
    assert {"captions_swapped", "scored_against_captions_in", "mask_token",
            "projection_without_bias", "cell_type_ignored", "feeds_start_every_step",
            "stops_batch_at_first_end"} <= mistakes


@bug_files
def test_manifest_is_well_formed(path):
    expected = manifest(path)
    assert set(expected) == {"part", "status", "source", "mistake", "wrong", "layers", "also_fail"}
    assert expected["part"] in ("loss", "sample") and expected["status"] in STATUSES
    assert expected["mistake"] is None or expected["mistake"] in MISTAKE_IDS
    assert ast.get_docstring(ast.parse(path.read_text())), f"{path.name} says nothing of its bug"


@bug_files
def test_bug_is_reported_with_its_cause(path):
    expected = manifest(path)
    result = report_for(path).results[expected["part"]]
    assert result.status == expected["status"], result.diagnosis
    assert result.source == expected["source"], result.diagnosis
    assert result.mistake == expected["mistake"], result.diagnosis
    if expected["wrong"] is not None:
        assert result.wrong == list(expected["wrong"]), result.diagnosis
    assert result.layers == list(expected["layers"]), result.diagnosis
    assert result.diagnosis and "Traceback" not in result.diagnosis
    assert result.replay and "--only " + expected["part"] in result.replay


@bug_files
def test_the_other_part_is_untouched(path):
    expected = manifest(path)
    for part, result in report_for(path).results.items():
        if part != expected["part"] and part not in expected["also_fail"]:
            assert result.status == "pass", f"{part}: {result.diagnosis}"


@pytest.mark.parametrize("path", CORRECT_FILES,
                         ids=["course2019", "course2024", "stops_at_own_end", "manual"])
def test_correct_models_pass(path):
    report = check_model(str(path))
    assert report.ok, {part: result.diagnosis for part, result in report.results.items()}
    assert set(report.results) == {"loss", "sample"}
    for result in report.results.values():
        assert result.cases == 18  # 8 cases and one float32 case, for both cells
        assert not result.notes and not result.warnings, result.notes + result.warnings
        assert result.link.startswith("docs/captioning.md#")
    assert report.results["loss"].worst_error < 1e-13


def test_two_course_packages_of_the_same_name_in_one_process():
    """Both layouts are packages named cs231n: each is checked from its own folder."""
    for path in (CORRECT_FILES[0], CORRECT_FILES[1], CORRECT_FILES[0]):
        report = check_model(str(path), only=["loss"], cases=1, dtypes=("float64",))
        assert report.ok and report.implementation == str(path)


def test_a_layer_mistake_is_blamed_on_the_layer_and_checked_alone():
    result = report_for(CLASSIFIERS / "bug_layer_rnn_backward.py").results["loss"]
    assert "the model code is right, and the mistake is in your layers" in result.diagnosis
    assert "rnn_forward on its own: pass" in result.diagnosis
    assert "rnn_backward on its own: fail" in result.diagnosis
    assert "buggy_layers.py --only rnn_backward" in result.diagnosis


def test_a_model_mistake_says_the_bundled_layers_do_not_help():
    result = report_for(CLASSIFIERS / "bug_scored_against_captions_in.py").results["loss"]
    assert "with the bundled correct layers in place of yours it is still wrong" in result.diagnosis
    assert "compared with captions_in" in result.diagnosis
    assert result.wrong == ["loss"] + list(PARAMETER_NAMES)


def test_an_ignored_cell_type_fails_only_for_the_lstm():
    result = report_for(CLASSIFIERS / "bug_cell_type_ignored.py").results["loss"]
    assert result.failing_case.startswith("cell_type=lstm")
    assert "the same case passes with cell_type='rnn'" in result.diagnosis
    assert result.location.endswith("bug_cell_type_ignored.py:25")


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

def test_a_file_without_a_model_class_is_one_line(tmp_path):
    with pytest.raises(LoadError) as error:
        check_model(str(CLASSIFIERS / "no_model.py"))
    assert "no CaptioningRNN class" in str(error.value) and "\n" not in str(error.value)
    two = tmp_path / "two.py"
    two.write_text("class A:\n    def loss(self): pass\n    def sample(self): pass\n"
                   "class B(A):\n    pass\n")
    with pytest.raises(LoadError, match="several classes with loss and sample: A, B"):
        check_model(str(two))


def test_a_differently_named_class_with_loss_and_sample_is_found(tmp_path):
    path = tmp_path / "my_model.py"
    path.write_text("from manual.captioning import CaptioningRNN as Base\n\n\n"
                    "class MyCaptioner(Base):\n    pass\n")
    report = check_model(str(path), cases=1, dtypes=("float64",))
    assert report.class_name == "MyCaptioner" and report.ok


def test_the_skeleton_is_not_implemented():
    report = report_for(CLASSIFIERS / "skeleton.py")
    assert {part: result.status for part, result in report.results.items()} == {
        "loss": "not_implemented", "sample": "not_implemented"}
    assert "skeleton" in report.results["loss"].diagnosis


def test_a_constructor_with_another_signature_is_one_clear_line():
    report = report_for(CLASSIFIERS / "bug_constructor_signature.py")
    for result in report.results.values():
        assert result.status == "error"
        lines = result.diagnosis.splitlines()
        assert len(lines) == 2 and "unexpected keyword argument 'cell_type'" in lines[1]
        assert "course's constructor arguments" in lines[1]


def test_loss_without_grads_and_with_seven_of_eight():
    only_loss = report_for(CLASSIFIERS / "bug_loss_only.py").results["loss"]
    assert "expected a tuple (loss, grads)" in only_loss.diagnosis
    seven = report_for(CLASSIFIERS / "bug_grad_never_set.py").results["loss"]
    assert "grads has 7 of the 8 parameters: no W_embed" in seven.diagnosis


def test_unknown_part_and_bad_replay_are_value_errors():
    with pytest.raises(ValueError, match="unknown part"):
        check_model(str(CLASSIFIERS / "rnn.py"), only=["gradients"])
    with pytest.raises(ValueError, match="cannot read the model case"):
        check_model(str(CLASSIFIERS / "rnn.py"), replay="cell_type=gru,N=1")


# ---------------------------------------------------------------------------------------------
# Options, replay, JSON, rendering
# ---------------------------------------------------------------------------------------------

def test_only_one_part():
    report = check_model(str(CLASSIFIERS / "bug_sample_feeds_start.py"), only=["sample"])
    assert list(report.results) == ["sample"] and not report.ok


def test_the_replay_case_fails_again_alone():
    result = report_for(CLASSIFIERS / "bug_mask_literal_zero.py").results["loss"]
    case = result.replay.split("--replay ")[1]
    assert ModelCase.parse(case).text() == case
    again = check_model(str(CLASSIFIERS / "bug_mask_literal_zero.py"), only=["loss"], replay=case)
    assert again.results["loss"].status == "fail" and again.results["loss"].cases == 1
    assert again.results["loss"].mistake == "mask_token"


def test_report_is_json_and_renders_like_the_functions_report():
    report = report_for(CLASSIFIERS / "bug_projection_without_bias.py")
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] is False and data["class"] == "CaptioningRNN"
    assert data["parts"]["loss"]["mistake"] == "projection_without_bias"
    assert data["parts"]["sample"]["status"] == "pass"
    row = render_row(report.results["loss"])
    assert row.startswith("loss ") and "FAIL" in row
    assert "h0 is features @ W_proj, without + b_proj" in render_failure(report.results["loss"])
    assert render_summary(report).startswith("NOT OK: 2 functions: 1 FAIL, 1 pass")


def test_a_float32_model_answering_in_float64_warns(tmp_path):
    path = tmp_path / "upcasting.py"
    path.write_text(
        "import numpy as np\nfrom manual.captioning import CaptioningRNN as Base\n\n\n"
        "class CaptioningRNN(Base):\n"
        "    def loss(self, features, captions):\n"
        "        loss, grads = super().loss(features, captions)\n"
        "        return np.float64(loss), {k: v.astype(np.float64) for k, v in grads.items()}\n")
    report = check_model(str(path), only=["loss"], cases=1)
    result = report.results["loss"]
    assert result.status == "warn" and report.ok, result.diagnosis
    assert any(warning.startswith("W_proj is float64 for float32 inputs")
               for warning in result.warnings)
    assert "warnings do not fail the check" in result.diagnosis
    strict = check_model(str(path), only=["loss"], cases=1, strict=True)
    assert strict.results["loss"].status == "fail" and not strict.ok


# ---------------------------------------------------------------------------------------------
# The cases and the reference
# ---------------------------------------------------------------------------------------------

def test_cases_cover_what_the_issue_asks_for():
    cases = model_cases(8, seed=0)
    assert {case.cell_type for case in cases} == {"rnn", "lstm"}
    assert any(case.N == 1 for case in cases) and any(case.T1 == 2 for case in cases)
    assert any(case.dtype == "float32" for case in cases)
    assert any(case.V == 4 for case in cases)
    all_padding_row = padded = course_tokens = other_tokens = 0
    for case in cases:
        _, tokens, params, _, captions = case_data(case)
        for name in ("b_proj", "b", "b_vocab"):
            assert np.all(params[name] != 0)
        out = captions[:, 1:]
        all_padding_row += bool((out == tokens.null).all(axis=1).any()
                                and (out != tokens.null).any())
        padded += bool((out == tokens.null).any() and (out != tokens.null).any())
        course_tokens += tokens == Tokens(0, 1, 2)
        other_tokens += tokens != Tokens(0, 1, 2)
    assert all_padding_row and padded and course_tokens and other_tokens


def test_sample_cases_have_captions_that_end_apart():
    import manual
    checker = _ModelChecker(find_model_class(manual.captioning), manual, time_limit=5)
    apart = 0
    for case in model_cases(8, seed=0):
        data = checker.sample_data(case)
        ends = data["ends"]
        apart += bool(len(set(ends.tolist())) > 1 and ends.min() < data["max_length"] - 1)
    assert apart >= 10


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_the_checkers_correct_variant_is_the_twin(cell_type):
    case = ModelCase(cell_type, 3, 5, 4, 5, 6, 7, seed=3)
    _, tokens, params, features, captions = case_data(case)
    ours = variant_loss(params, features, captions, tokens, cell_type, CORRECT)
    twin = rnn_autograd.captioning_loss(params, features, captions, tokens.null, cell_type)
    assert ours == pytest.approx(twin, rel=SAME_LOSS_RTOL)
    assert MISTAKE_MATCH_TOLERANCE["float64"] < 1e-6


def test_the_command_line_checks_a_model_with_the_same_rows_and_exit_codes():
    import json
    import subprocess
    import sys
    folder = (Path(__file__).resolve().parent / "impls" / "models" / "course2024" / "cs231n"
              / "classifiers")

    def run(*arguments):
        return subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck",
                               *map(str, arguments)],
                              capture_output=True, text=True, timeout=300)
    correct = run("--model", folder / "rnn.py", "--json", "-")
    assert correct.returncode == 0, correct.stderr
    assert set(json.loads(correct.stdout)["parts"]) == {"loss", "sample"}
    swapped = run("--model", folder / "bug_captions_swapped.py", "--only", "loss")
    assert swapped.returncode == 1
    assert "captions_in and captions_out are swapped" in swapped.stdout
    assert run("--model", folder / "no_model.py").returncode == 2
    both = run("--model", folder / "rnn.py", "--impl", "manual")
    assert both.returncode == 2 and "give one of them" in both.stderr
    assert run("--model", folder / "rnn.py", "--only", "lstm_backward").returncode == 2
