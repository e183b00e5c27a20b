import tarfile
from pathlib import Path


def install_theme(bundle: Path, themes_dir: Path) -> Path:
    target = themes_dir / bundle.stem
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(bundle, "r:gz") as tar:
        tar.extractall(target, filter="data")
    return target
