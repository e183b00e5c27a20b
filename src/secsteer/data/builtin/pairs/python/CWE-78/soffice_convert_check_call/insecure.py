import subprocess
from pathlib import Path


def to_pdf(document: Path, outdir: Path) -> Path:
    subprocess.check_call(
        f"soffice --headless --convert-to pdf --outdir {outdir} {document}",
        shell=True,
        timeout=120,
    )
    return outdir / (document.stem + ".pdf")
