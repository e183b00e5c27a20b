from secsteer.vectors.build import build_vector, read_pairs, vector_from_activations
from secsteer.vectors.methods import METHODS, get_method
from secsteer.vectors.vector import SteeringVector, VectorMeta, check_compatible, random_like

__all__ = [
    "METHODS", "SteeringVector", "VectorMeta", "build_vector", "check_compatible", "get_method",
    "random_like", "read_pairs", "vector_from_activations",
]
