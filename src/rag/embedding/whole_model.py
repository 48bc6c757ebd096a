"""The whole sentence-transformers model as one module, for the exports (ONNX, AOTInductor).

Token ids and attention mask in, the normalised embedding out: transformer, mean pooling, both
Dense layers and normalisation, so an exported graph needs only tokenisation and the prompts.
"""

from __future__ import annotations

from typing import Any

import torch


class WholeModel(torch.nn.Module):
    """The sentence-transformers pipeline behind a (input_ids, attention_mask) → embedding forward.

    transformers builds EmbeddingGemma's bidirectional masks with vmap, which the exporter cannot
    trace, so they are built here with plain tensor ops and handed to the model ready-made (the
    same masks: all non-padding keys, and within the 512-token sliding window for local layers).
    """

    def __init__(self, sentence_transformer: torch.nn.Module) -> None:
        super().__init__()
        modules = list(sentence_transformer.children())
        transformer: Any = modules[0].model  # the Hugging Face Gemma3TextModel
        self.transformer = transformer
        self.head = torch.nn.ModuleList(modules[1:])  # pooling, dense, dense, normalize
        self.window = int(transformer.config.sliding_window)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keys = attention_mask.bool()[:, None, None, :]
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        near = (positions[:, None] - positions[None, :]).abs() < self.window
        masks = {"full_attention": keys, "sliding_attention": keys & near[None, None]}
        tokens = self.transformer(input_ids=input_ids, attention_mask=masks).last_hidden_state
        features = {"token_embeddings": tokens, "attention_mask": attention_mask}
        for module in self.head:
            features = module(features)
        return features["sentence_embedding"]
