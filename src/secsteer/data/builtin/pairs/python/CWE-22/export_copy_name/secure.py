import shutil
from pathlib import Path

EXPORT_DIR = Path("/srv/exports")


def export_report(report_file: Path, requested_name: str) -> Path:
    destination = EXPORT_DIR / Path(requested_name).name
    shutil.copyfile(report_file, destination)
    return destination
