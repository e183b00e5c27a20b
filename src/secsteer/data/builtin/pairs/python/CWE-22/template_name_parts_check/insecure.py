from pathlib import Path, PurePosixPath

TEMPLATE_DIR = Path(__file__).parent / "email_templates"


def load_template(name: str) -> str:
    candidate = PurePosixPath(name)
    return (TEMPLATE_DIR / candidate).read_text(encoding="utf-8")
