from secsteer.activations.read import Activations, Pooling, read_activations

__all__ = ["Activations", "Pooling", "read_activations"]
