import subprocess
from pathlib import Path


def to_pdf(document: Path, outdir: Path) -> Path:
    subprocess.check_call(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(outdir), str(document)],
        timeout=120,
    )
    return outdir / (document.stem + ".pdf")
