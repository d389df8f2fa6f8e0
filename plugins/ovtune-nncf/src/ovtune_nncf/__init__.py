"""NNCF compression (weight compression, quantization-aware training, pruning) as ovtune stages."""
