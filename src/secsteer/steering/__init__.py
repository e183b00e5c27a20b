from secsteer.steering.apply import Steering, steer, steering_context
from secsteer.steering.hooks import Positions

__all__ = ["Positions", "Steering", "steer", "steering_context"]
