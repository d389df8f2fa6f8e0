"""Model Optimizer's flags as an ovtune stage (``[[stage]] use = "mo"``) and a PyTorch model loader."""
