"""The ONNX form of the attention ops' token layout, written by the export and read by the import.

mncost keeps every activation an N×C×H×W map; a `matmul` (docs/attention.md) sees the map of
`g` heads of width `w` (C = g·w) as token matrices of shape 1 × p² × g × w × N: per patch offset
(p² of them, 1 without `patch`) and head, the w values of its N tokens. Without a patch that is
one Reshape (N = H·W); with `patch: p` the map is cut as MobileViT unfolds it (token (r, c) at
offset (oy, ox) is pixel (r·p + oy, c·p + ox)): SpaceToDepth(p), whose channel (oy·p + ox)·C + c
is exactly that, and a Reshape. The way back is a Reshape and DepthToSpace(p, mode DCR). (A 7-D
Transpose does the same permutation some 8 times slower in onnxruntime.) The products are then one
MatMul each, in the order that keeps the tokens last (no transpose of the large operand):

    q kᵀ:   MatMul(Transpose(K, KEYS_LAST), Q)  ->  1 × p² × heads × keys × N
    attn v: MatMul(V, A)                        ->  1 × p² × heads × d_v × N

with K, V of kv_heads (1: multi-query, broadcast over the query heads). The logits (and softmax's
output) are the largest tensors of a hybrid network and only softmax over the keys and attn v
read them, so they stay in token order: the product reshaped to 1 × (heads·keys) × H × W, nothing
moved (with a patch their values are then not in pixel order; the export refuses any other
reader). Softmax over the keys is a Reshape back to the token matrices, Softmax (axis 3) and a
Reshape; attn v cuts A out of such a map by a Reshape alone. The import reads either form (token
order, or through SpaceToDepth / DepthToSpace) of each operand and of each product.
"""

from __future__ import annotations

KEYS_LAST = [0, 1, 2, 4, 3]
"""1 × p² × g × w × N  ->  1 × p² × g × N × w (the keys of q kᵀ as rows)."""
SOFTMAX_AXIS = 3
"""The keys axis of the logits as token matrices 1 × p² × heads × keys × N."""


def tokens(groups: int, width: int, h: int, w: int, patch: int) -> list[int]:
    """The token matrices of a map of `groups` heads of `width`: 1 × p² × g × w × N, N = (H/p)·(W/p)."""
    return [1, patch * patch, groups, width, (h // patch) * (w // patch)]


def stacked(channels: int, h: int, w: int, patch: int) -> list[int]:
    """The map with its p×p patches' offsets stacked on the channels (SpaceToDepth(p)): 1 × p²·C × H/p × W/p."""
    return [1, patch * patch * channels, h // patch, w // patch]
