"""GGUF control vectors: direction.N is block N's output, as llama.cpp applies it and repeng writes it."""

from __future__ import annotations

import argparse
import json
import logging

import gguf
import numpy as np
import pytest
import torch

from secsteer.backends.gguf_vectors import export_gguf, import_gguf, import_gguf_for_model
from secsteer.cli import interop
from secsteer.model.layers import decoder_blocks
from secsteer.steering.apply import steer
from secsteer.vectors.vector import SteeringVector
from tests.foundation.helpers import random_vector

IDS = torch.tensor([[5, 17, 42, 8, 99, 3]])


def block_outputs(model, ids=IDS) -> list[torch.Tensor]:
    """Each block's output for one forward pass."""
    seen: list[torch.Tensor] = []
    handles = [b.register_forward_hook(lambda _m, _a, out: seen.append(out[0] if isinstance(out, tuple) else out))
               for b in decoder_blocks(model)]
    try:
        with torch.no_grad():
            model(ids)
    finally:
        for h in handles:
            h.remove()
    return seen


def write_repeng_style(path, model_type: str, directions: dict[int, np.ndarray]) -> None:
    """A file exactly as repeng's ControlVector.export_gguf writes one."""
    writer = gguf.GGUFWriter(str(path), "controlvector")
    writer.add_string("controlvector.model_hint", model_type)
    writer.add_uint32("controlvector.layer_count", len(directions))
    for layer, d in directions.items():
        writer.add_tensor(f"direction.{layer}", d)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_file_has_the_layout_llama_cpp_loads(qwen, tmp_path):
    vector = random_vector(qwen, [1, 2, 3], norm=2.0)
    path = export_gguf(vector, tmp_path / "v.gguf", scale=0.5)
    reader = gguf.GGUFReader(str(path))
    assert reader.fields["general.architecture"].contents() == "controlvector"
    assert reader.fields["controlvector.layer_count"].contents() == 3
    assert [t.name for t in reader.tensors] == ["direction.1", "direction.2", "direction.3"]
    for t in reader.tensors:
        assert t.tensor_type == gguf.GGMLQuantizationType.F32 and list(t.shape) == [64]
        layer = int(t.name.split(".")[1])
        # relative export bakes in scale · layer norm · unit direction: what steer() would add
        torch.testing.assert_close(torch.from_numpy(np.array(t.data)), vector.delta(layer, 0.5, relative=True))


def test_round_trip_gives_the_same_directions_on_the_same_blocks(qwen, tmp_path):
    vector = random_vector(qwen, [1, 3], norm=2.0)
    back = import_gguf(export_gguf(vector, tmp_path / "v.gguf", scale=1.0, relative=False))
    assert back.layers == [1, 3]
    for layer in (1, 3):
        assert torch.equal(back.directions[layer], vector.directions[layer])
    assert back.meta.layer_norms == vector.meta.layer_norms
    assert (back.meta.num_layers, back.meta.hidden_size, back.meta.method) == (4, 64, "random")
    assert json.loads(back.meta.extra["gguf_export"]) == {"scale": 1.0, "relative": False}
    # and it survives secsteer's own format
    again = SteeringVector.load(back.save(tmp_path / "v.safetensors"))
    assert torch.equal(again.directions[3], vector.directions[3])


def test_relative_export_steers_like_the_original(qwen, tmp_path):
    """llama.cpp adds the file's tensors at strength 1: that must equal secsteer at the exported scale."""
    vector = random_vector(qwen, [1, 2], norm=5.0)
    imported = import_gguf(export_gguf(vector, tmp_path / "v.gguf", scale=0.7))
    with torch.no_grad(), steer(qwen, vector, scale=0.7, relative=True):
        want = qwen(IDS).logits
    with torch.no_grad(), steer(qwen, imported, scale=1.0, relative=False):
        got = qwen(IDS).logits
    with torch.no_grad(), steer(qwen, imported, scale=0.7, relative=True):   # original layer norms kept
        same_unit = qwen(IDS).logits
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(same_unit, want, atol=1e-5, rtol=1e-5)
    with torch.no_grad():
        assert not torch.allclose(qwen(IDS).logits, want)


def test_a_repeng_file_loads_onto_the_blocks_it_names(qwen, tmp_path):
    gen = np.random.default_rng(0)
    dirs = {1: gen.standard_normal(64).astype(np.float32), 3: gen.standard_normal(64).astype(np.float32)}
    write_repeng_style(tmp_path / "r.gguf", "qwen2", dirs)
    vector = import_gguf(tmp_path / "r.gguf", num_layers=4, hidden_size=64)
    assert vector.layers == [1, 3] and vector.meta.model_id == "qwen2"
    base = block_outputs(qwen)
    for layer in (1, 3):
        with steer(qwen, vector.select([layer]), scale=1.0, relative=False):
            steered = block_outputs(qwen)
        for earlier in range(layer):
            assert torch.equal(steered[earlier], base[earlier])                      # blocks before it untouched
        torch.testing.assert_close(steered[layer], base[layer] + torch.from_numpy(dirs[layer]))  # on its output
    # relative scale 1 equals absolute scale 1 for foreign files: the norms are the directions' own
    assert vector.meta.layer_norms[1] == pytest.approx(float(np.linalg.norm(dirs[1])), rel=1e-6)


def test_block_zero_cannot_be_exported_to_llama_cpp(qwen, tmp_path, caplog):
    vector = random_vector(qwen, [0, 2], norm=1.0)
    with pytest.raises(ValueError, match="block 0"):
        export_gguf(vector, tmp_path / "v.gguf", layers=[0, 2])
    with caplog.at_level(logging.WARNING):
        path = export_gguf(vector, tmp_path / "v.gguf")
    assert "block 0 left out" in caplog.text
    assert import_gguf(path).layers == [2]
    with pytest.raises(ValueError, match="no direction for layers"):
        export_gguf(vector, tmp_path / "w.gguf", layers=[1])


def test_bad_files_are_refused_with_the_file_named(qwen, tmp_path):
    write_repeng_style(tmp_path / "ragged.gguf", "x", {1: np.ones(64, np.float32), 2: np.ones(32, np.float32)})
    with pytest.raises(ValueError, match="ragged.gguf: direction tensors differ in length"):
        import_gguf(tmp_path / "ragged.gguf")
    writer = gguf.GGUFWriter(str(tmp_path / "model.gguf"), "llama")
    writer.add_tensor("blk.0.attn_q.weight", np.ones((4, 4), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ValueError, match="model.gguf: tensor 'blk.0.attn_q.weight' is not a control vector"):
        import_gguf(tmp_path / "model.gguf")
    with pytest.raises(FileNotFoundError, match="missing.gguf"):
        import_gguf(tmp_path / "missing.gguf")
    write_repeng_style(tmp_path / "wide.gguf", "x", {5: np.ones(64, np.float32)})
    with pytest.raises(ValueError, match="direction.5 but the model has 4 layers"):
        import_gguf(tmp_path / "wide.gguf", num_layers=4)
    with pytest.raises(ValueError, match="hidden size is 32"):
        import_gguf(tmp_path / "wide.gguf", hidden_size=32)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    interop.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_cli_export_then_import_with_a_model(qwen, tmp_path, capsys):
    vector = random_vector(qwen, [0, 1, 2], norm=3.0)
    vector.save(tmp_path / "v.safetensors")
    qwen.config.save_pretrained(tmp_path / "model")                     # import reads only the config
    assert run_cli(["export", "--format", "gguf", str(tmp_path / "v.safetensors"), str(tmp_path / "v.gguf"),
                    "--scale", "2", "--absolute"]) == 0
    assert "blocks 1,2" in capsys.readouterr().out
    assert run_cli(["import", str(tmp_path / "v.gguf"), "--out", str(tmp_path / "back.safetensors"),
                    "--model", str(tmp_path / "model")]) == 0
    back = SteeringVector.load(tmp_path / "back.safetensors")
    assert back.layers == [1, 2]
    assert back.meta.model_id == str(tmp_path / "model")
    torch.testing.assert_close(back.directions[2], 2 * vector.directions[2])
    write_repeng_style(tmp_path / "r.gguf", "qwen2", {1: np.ones(64, np.float32)})
    assert import_gguf_for_model(tmp_path / "r.gguf", str(tmp_path / "model")).meta.num_layers == 4
    with pytest.raises(ValueError, match="4 layers; this model has 2"):
        import_gguf(tmp_path / "v.gguf", num_layers=2)
