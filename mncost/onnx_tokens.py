"""The ONNX form of the attention ops' token layout, written by the export and read by the import.

mncost keeps every activation an N×C×H×W map; a `matmul` (docs/attention.md) sees the map of
`g` heads of width `w` (C = g·w) as token matrices of shape 1 × g × p² × w × N: per head and per
patch offset (p² of them, 1 without `patch`), the w values of its N tokens. Without a patch that
is one Reshape; with `patch: p` the map is cut as MobileViT unfolds it (token (r, c) at offset
(oy, ox) is pixel (r·p + oy, c·p + ox)): Reshape to 1 × g × w × rows × p × cols × p, Transpose
(TO_TOKENS), Reshape. The way back is the mirror image (FROM_TOKENS). The products are then
one MatMul each, in the order that keeps the tokens last (no transpose of the large operand):

    q kᵀ:   MatMul(Transpose(K, KEYS_LAST), Q)  ->  1 × heads × p² × keys × N    (keys·heads logits)
    attn v: MatMul(V, A)                        ->  1 × heads × p² × d_v × N

with K, V of kv_heads (1: multi-query, broadcast over the query heads) and A the logits map read as
`heads` heads of width `keys`. softmax over the keys is Reshape to 1 × heads × keys × H·W,
Softmax(axis 2), Reshape back.
"""

from __future__ import annotations

TO_TOKENS = [0, 1, 4, 6, 2, 3, 5]
"""1 × g × w × rows × p × cols × p  ->  1 × g × p × p × w × rows × cols."""
FROM_TOKENS = [0, 1, 4, 5, 2, 6, 3]
"""1 × g × p × p × w × rows × cols  ->  1 × g × w × rows × p × cols × p."""
KEYS_LAST = [0, 1, 2, 4, 3]
"""1 × g × p² × w × N  ->  1 × g × p² × N × w (the keys of q kᵀ as rows)."""
SOFTMAX_AXIS = 2
"""The keys axis of the logits map read as 1 × heads × keys × H·W."""


def patched(groups: int, width: int, h: int, w: int, patch: int) -> list[int]:
    """The map 1 × (g·w) × H × W cut into p×p patches: 1 × g × w × rows × p × cols × p."""
    return [1, groups, width, h // patch, patch, w // patch, patch]


def offsets_first(groups: int, width: int, h: int, w: int, patch: int) -> list[int]:
    """The patched map with the patch offsets first: 1 × g × p × p × w × rows × cols."""
    return [1, groups, patch, patch, width, h // patch, w // patch]


def tokens(groups: int, width: int, h: int, w: int, patch: int) -> list[int]:
    """The token matrices of the map: 1 × g × p² × w × N, N = (H/p)·(W/p)."""
    return [1, groups, patch * patch, width, (h // patch) * (w // patch)]


def per_head(heads: int, channels: int, h: int, w: int) -> list[int]:
    """The logits map read per head for softmax over the keys: 1 × heads × keys × H·W."""
    return [1, heads, channels // heads, h * w]
