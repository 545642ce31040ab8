"""Butterfly from Python: MuJoCo vector envs bit-identical to Gymnasium (``butterfly.envs``), the stabilizers
(``butterfly.stabilizers``), a run's logs (``read_run``), the GVA report (``analyze``) and checkpoint selection
(``select``) — each on the Rust code the ``butterfly`` CLI runs. See docs/python.md."""

from butterfly import envs, stabilizers
from butterfly._native import ButterflyError
from butterfly.analysis import analyze
from butterfly.runs import read_run
from butterfly.selection import select

envs.register()

__all__ = ["ButterflyError", "analyze", "envs", "read_run", "select", "stabilizers"]
