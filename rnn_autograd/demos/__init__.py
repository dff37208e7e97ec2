"""Demos of the two trees at work: they use `manual` and the autograd twins, never the checker.

- `gradient_flow`: ||dL/dh_t|| against t for a vanilla RNN and an LSTM (`rnn-gradient-flow`);
- `charlm`: a character-level LSTM language model trained with the hand-written layers on
  seven Shakespeare sonnets shipped in `data/` (`rnn-train-charlm`);
- `captioning`: the course's image-captioning model (manual.CaptioningRNN) trained on a tiny
  synthetic task generated in code, and the gradient norm of each of its parameters, manual
  against autograd (`rnn-train-captioning`).
"""
