"""Every command answers --version with its name and the package's version, and exits 0.

The commands are read from setup.cfg's console_scripts, so that a new one cannot be forgotten;
`rnn-gradcheck grade`, a subcommand, is listed here. Each runs in a process of its own, as the
installed script would: `python -c` calling the entry point's function.
"""
import configparser
import subprocess
import sys
from pathlib import Path

import pytest

import rnn_autograd

SETUP_CFG = Path(__file__).resolve().parents[1] / "setup.cfg"
SUBCOMMANDS = {"rnn-gradcheck": ["grade"]}  # `rnn-gradcheck grade ...`: its own parser


def console_scripts():
    """{script name: "module:function"} from setup.cfg [options.entry_points]."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(SETUP_CFG, encoding="utf-8")
    scripts = {}
    for line in config["options.entry_points"]["console_scripts"].splitlines():
        name, _, target = line.partition("=")
        if target.strip():
            scripts[name.strip()] = target.strip()
    return scripts


COMMANDS = [(name, target, []) for name, target in console_scripts().items()]
COMMANDS += [(name, console_scripts()[name], [subcommand])
             for name, subcommands in SUBCOMMANDS.items() for subcommand in subcommands]


def test_setup_cfg_lists_the_commands():
    assert set(console_scripts()) >= {"rnn-gradcheck", "rnn-gradient-flow", "rnn-train-charlm",
                                      "rnn-train-captioning"}
    assert set(SUBCOMMANDS) <= set(console_scripts())


@pytest.mark.parametrize("name, target, subcommand", COMMANDS,
                         ids=[" ".join([name, *subcommand]) for name, _, subcommand in COMMANDS])
def test_every_command_prints_its_version(name, target, subcommand):
    module, _, function = target.partition(":")
    script = f"import sys; from {module} import {function}; sys.exit({function}())"
    completed = subprocess.run([sys.executable, "-c", script, *subcommand, "--version"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"{' '.join([name, *subcommand])} {rnn_autograd.__version__}\n"
