"""Prints the scalars of the TensorBoard event files in a folder as TensorBoard's own reader loads them:
{tag: [[step, value], ...]} in file order."""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

accumulator = EventAccumulator(sys.argv[1], size_guidance={SCALARS: 0})
accumulator.Reload()
print(json.dumps({tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()[SCALARS]}))
