import json
import re


def load_profile(profile: str) -> dict:
    with open(f"config/{profile}.json", encoding="utf-8") as fh:
        return json.load(fh)
