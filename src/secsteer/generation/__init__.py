from secsteer.generation.generate import GenerationConfig, generate
from secsteer.generation.prompts import build_prompt, truncate_at_stop

__all__ = ["GenerationConfig", "build_prompt", "generate", "truncate_at_stop"]
