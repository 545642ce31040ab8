"""The minari package's side of crates/cli/tests/minari.rs (run in the set-up venv, with
MINARI_DATASETS_PATH set by the test):

  make ID                   a dataset of random Hopper-v4 actions, recorded by minari's DataCollector
  check-read ID DATA FIRST  butterfly's data file DATA holds episodes FIRST.. of ID as imitator rows
  check-export ID DATA      minari opens ID (exported by butterfly from DATA) with DATA's arrays
  break ID NEW HOW          a copy NEW of ID spoiled HOW: missing-group, wrong-shape or dict-space
"""

import json
import shutil
import sys

import gymnasium as gym
import h5py
import minari
import numpy as np
from minari.storage.datasets_root_dir import get_dataset_path


def safetensors(path):
    """The tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        body = f.read()
    kinds = {"F32": np.float32, "F64": np.float64, "U64": np.uint64}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        start, end = t["data_offsets"]
        out[name] = np.frombuffer(body[start:end], dtype=kinds[t["dtype"]]).reshape(t["shape"])
    return out


def make(dataset_id):
    env = minari.DataCollector(gym.make("Hopper-v4", max_episode_steps=25))
    env.action_space.seed(7)
    for episode in range(5):
        env.reset(seed=100 + episode)
        while True:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                break
    env.create_dataset(dataset_id=dataset_id, algorithm_name="random")


def check_read(dataset_id, data, first):
    tensors = safetensors(data)
    inputs, targets, offsets = tensors["inputs"], tensors["targets"], tensors["offsets"]
    episodes = list(minari.load_dataset(dataset_id).iterate_episodes())[first:]
    assert len(offsets) - 1 <= len(episodes), (offsets, len(episodes))
    for k in range(len(offsets) - 1):
        rows, episode = slice(int(offsets[k]), int(offsets[k + 1])), episodes[k]
        steps = rows.stop - rows.start
        obs = episode.observations[:steps].astype(np.float32)
        acts = episode.actions[:steps].astype(np.float32)
        prev = np.vstack([np.zeros_like(acts[:1]), acts[:-1]])
        np.testing.assert_array_equal(inputs[rows], np.hstack([obs, prev]))
        np.testing.assert_array_equal(targets[rows], acts)
        np.testing.assert_allclose(tensors["returns"][k], episode.rewards[:steps].sum(), rtol=1e-12)
    print(f"read: {len(offsets) - 1} episodes equal")


def check_export(dataset_id, data):
    tensors = safetensors(data)
    inputs, targets, offsets = tensors["inputs"], tensors["targets"], tensors["offsets"]
    dataset = minari.load_dataset(dataset_id)
    obs_dim = dataset.observation_space.shape[0]
    assert dataset.id == dataset_id and dataset.total_episodes == len(offsets) - 1
    assert dataset.total_steps == int(offsets[-1]) - dataset.total_episodes
    for k, episode in enumerate(dataset.iterate_episodes()):
        rows = slice(int(offsets[k]), int(offsets[k + 1]))
        np.testing.assert_array_equal(episode.observations, inputs[rows, :obs_dim])
        np.testing.assert_array_equal(episode.actions, targets[rows][:-1])
        assert episode.truncations[-1] and not episode.terminations.any()
    env = dataset.recover_environment()
    assert env.spec.id == "Hopper-v4" and env.action_space == dataset.action_space, env.spec
    print(f"export: {dataset.total_episodes} episodes equal")


def spoil(dataset_id, new, how):
    old_dir, new_dir = get_dataset_path(dataset_id), get_dataset_path(new)
    shutil.copytree(old_dir, new_dir)
    meta_path = new_dir / "data" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["dataset_id"] = new
    with h5py.File(new_dir / "data" / "main_data.hdf5", "a") as f:
        if how == "missing-group":
            del f["episode_1"]
        elif how == "wrong-shape":
            actions = f["episode_0/actions"][:]
            del f["episode_0/actions"]
            f["episode_0/actions"] = actions[:, :2]
        elif how == "dict-space":
            box = json.loads(meta["observation_space"])
            meta["observation_space"] = json.dumps({"type": "Dict", "subspaces": {"state": box}})
            for name in f:
                obs = f[f"{name}/observations"][:]
                del f[f"{name}/observations"]
                f[f"{name}/observations/state"] = obs
    meta_path.write_text(json.dumps(meta))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"make": make, "check-read": lambda i, d, f: check_read(i, d, int(f)), "check-export": check_export, "break": spoil}[
        command
    ](*args)
