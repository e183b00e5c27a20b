from secsteer.generation.contrastive import Contrastive, plausible_mask
from secsteer.generation.generate import GenerationConfig, generate
from secsteer.generation.prompts import build_prompt, truncate_at_stop

__all__ = ["Contrastive", "GenerationConfig", "build_prompt", "generate", "plausible_mask", "truncate_at_stop"]
