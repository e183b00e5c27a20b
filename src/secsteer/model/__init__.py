from secsteer.model.layers import decoder_blocks, num_layers, resolve_layers
from secsteer.model.load import ModelConfig, load_model, model_id

__all__ = ["ModelConfig", "decoder_blocks", "load_model", "model_id", "num_layers", "resolve_layers"]
