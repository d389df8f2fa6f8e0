"""ONNX Runtime as ovtune's native-framework baseline (``[measure] baseline = "onnxruntime"``)."""
