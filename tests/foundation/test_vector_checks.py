"""A vector file's metadata and tensors are checked on load: garbage never reaches steering silently."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from secsteer.vectors.vector import SteeringVector, VectorMeta


def meta_record(**changes) -> dict:
    meta = VectorMeta(model_id="m", architecture="Qwen2ForCausalLM", hidden_size=4, num_layers=3, method="mean_diff",
                      n_pairs=2, pairs_hash="h", layer_norms={0: 2.0, 1: 3.0})
    record = {"format_version": 1, **json.loads(meta.to_json()), **changes}
    return record


def write(path, record: dict, tensors: dict | None = None) -> str:
    tensors = tensors if tensors is not None else {"layer.0": torch.ones(4), "layer.1": torch.ones(4)}
    save_file(tensors, str(path), metadata={"secsteer": json.dumps(record)})
    return str(path)


def test_a_good_file_loads(tmp_path):
    vector = SteeringVector.load(write(tmp_path / "v.safetensors", meta_record()))
    assert vector.layers == [0, 1] and vector.meta.layer_norms == {0: 2.0, 1: 3.0}
    assert torch.allclose(vector.delta(1, 0.5), 0.5 * 3.0 * torch.ones(4) / 2.0)


@pytest.mark.parametrize(("record", "tensors", "says"), [
    (meta_record(layer_norms={"0": float("nan"), "1": 3.0}), None, "layer_norms"),
    (meta_record(layer_norms={"0": float("inf"), "1": 3.0}), None, "layer_norms"),
    (meta_record(layer_norms={"0": -1.0, "1": 3.0}), None, "layer_norms"),
    (meta_record(layer_norms={"0": 2.0}), None, "layer_norms"),                  # layer 1 missing
    (meta_record(layer_norms={"0": "big", "1": 3.0}), None, "layer_norms"),
    (meta_record(), {"layer.0": torch.tensor([1.0, float("nan"), 0, 0]), "layer.1": torch.ones(4)}, "NaN"),
    (meta_record(), {"layer.0": torch.ones(5), "layer.1": torch.ones(4)}, "shape"),
    (meta_record(), {"layer.0": torch.ones(2, 2), "layer.1": torch.ones(4)}, "shape"),
    (meta_record(), {"layer.7": torch.ones(4)}, "layer 7"),                        # beyond num_layers
    (meta_record(), {"layer.x": torch.ones(4)}, "layer.x"),
    (meta_record(), {}, "at least one layer"),
    ({k: v for k, v in meta_record().items() if k != "hidden_size"}, None, "hidden_size"),
    (meta_record(hidden_size="4"), None, "hidden_size"),
    (meta_record(num_layers=0), None, "num_layers"),
    (meta_record(unexpected=1), None, "unexpected"),
])
def test_bad_metadata_or_tensors_give_one_clear_error(tmp_path, record, tensors, says):
    path = write(tmp_path / "bad.safetensors", record, tensors)
    with pytest.raises(ValueError) as err:
        SteeringVector.load(path)
    assert says in str(err.value) and path in str(err.value) and "\n" not in str(err.value)


def test_metadata_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    save_file({"layer.0": torch.ones(4)}, str(path), metadata={"secsteer": "{not json"})
    with pytest.raises(ValueError, match="metadata"):
        SteeringVector.load(path)
