"""Benchmarks: time every registered layer in `manual`, `rnn_autograd`, and (when installed)
PyTorch and JAX, after checking that they all agree with `manual`.

Run from the repository root:

    python -m benchmarks.run                      # the default run, a few minutes on 2 cores
    python -m benchmarks.run --sizes small --repeats 3 --json results.json

Never imported by the library or the tests; PyTorch and JAX are optional
(`pip install -e '.[bench]'`).
"""
