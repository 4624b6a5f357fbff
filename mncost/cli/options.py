"""Options shared by every command that evaluates a spec, and the Config they make."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..conventions import BnParams, Counting, DepthRounding, Dtype, Fusion, LnParams, MemoryModel, OpsCounted, Rounding
from ..graph import Graph
from ..report import Config

F = TypeVar("F", bound=Callable[..., Any])
class PositiveFloat(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    """A finite number > 0 (click's FloatRange lets nan through)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number <= 0:
            self.fail(f"{value!r} must be a finite number > 0", param, ctx)
        return number


def _choice(enum: type[Any]) -> click.Choice:  # type: ignore[type-arg]  # generic only in click >= 8.2
    return click.Choice([m.value for m in enum])


def config_options(func: F) -> F:
    """The options that make a Config, shared by every command that evaluates a spec."""
    options = [
        click.option("--alpha", "-a", type=PositiveFloat(), default=1.0, show_default=True,
                     help="Width multiplier α."),
        click.option("--rho", "-r", type=PositiveFloat(), default=None,
                     help="Resolution multiplier ρ: resolution = round(base × ρ), e.g. 224 × 0.714 → 160."),
        click.option("--resolution", type=click.IntRange(min=1), default=None,
                     help="Input resolution in pixels (instead of --rho)."),
    ]
    func = convention_options(func)
    for option in reversed(options):
        func = option(func)
    return func


CONVENTION_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "rounding": click.option(
        "--rounding", type=_choice(Rounding), default=None,
        help="Channel rounding: none = int(α·c); round8 = _make_divisible(α·c, 8). Default: the spec's."),
    "classes": click.option(
        "--classes", type=click.IntRange(min=1), default=None,
        help="Number of classes (TF-slim checkpoints: 1001). Default: the spec's."),
    "counting": click.option(
        "--count", "counting", type=_choice(Counting), default="macs", show_default=True,
        help="Arithmetic as multiply-accumulates or FLOPs (= 2 × MACs)."),
    "ops": click.option(
        "--ops", type=_choice(OpsCounted), default="conv-fc-matmul", show_default=True,
        help="Which ops have arithmetic cost: conv, FC and the attention matrix products; conv and "
        "FC only (papers); or all."),
    "bn_params": click.option(
        "--bn-params", type=_choice(BnParams), default="none", show_default=True,
        help="Batch-norm parameters per channel: none (papers), affine = 2 (PyTorch), all = 4 (Keras)."),
    "ln_params": click.option(
        "--ln-params", type=_choice(LnParams), default="affine", show_default=True,
        help="Layer-norm parameters per channel: affine = 2 (γ, β: PyTorch, timm) or none."),
    "dtype": click.option(
        "--dtype", type=_choice(Dtype), default="fp32", show_default=True,
        help="Activation storage type for byte counts."),
    "depth_multiplier": click.option(
        "--depth-multiplier", "-d", type=PositiveFloat(), default=1.0, show_default=True,
        help="Depth multiplier: each stage-table row repeats ceil(d·n) blocks (see --depth-rounding)."),
    "depth_rounding": click.option(
        "--depth-rounding", type=_choice(DepthRounding), default="ceil", show_default=True,
        help="How d·n becomes whole blocks: ceil (EfficientNet, timm's default) or round (timm "
        "depth_trunc='round': max(1, round(d·n)), half to even); rows sharing a 'stage' value scale "
        "together as in timm."),
    "weight_dtype": click.option(
        "--weight-dtype", type=_choice(Dtype), default=None,
        help="Parameter storage type for the model size and traffic (e.g. int8 as with TensorFlow "
        "Lite quantization). Default: the same as --dtype."),
    "memory_model": click.option(
        "--memory-model", type=_choice(MemoryModel), default="naive", show_default=True,
        help="Peak memory: naive (every layer output is a buffer) or streamed (V2 paper 5.1: blocks "
        "marked streamable run as one op and never materialize their inner tensors)."),
    "first_layer_trick": click.option(
        "--first-layer-trick", is_flag=True,
        help="With --memory-model streamed: the layers before the first streamable block run "
        "inside it (V2 paper, Table 3 caption)."),
    "fusion": click.option(
        "--fusion", type=_choice(Fusion), default=None,
        help="Which batch norms and activations fold into the conv or fc before them: none, "
        "conv-bn, tflite (BN and ReLU/ReLU6, TensorFlow Lite) or conv-bn-act (every activation). "
        "Default: the --device profile's, else tflite."),
    "device": click.option(
        "--device", default=None, metavar="NAME|FILE",
        help="Estimate per-layer and total latency (latency_ms) on a device profile: a bundled "
        "name (mncost devices) or a profile YAML file."),
}
"""Every convention option by its Config field, in the order `--help` lists them."""


def convention_options(func: F, names: tuple[str, ...] = tuple(CONVENTION_OPTIONS)) -> F:
    """The convention options (everything in a Config except α, ρ and the resolution), or the
    ones `names` lists (`mncost space` takes a few)."""
    for name in reversed(names):
        func = CONVENTION_OPTIONS[name](func)
    return func


def make_config(alpha: float, rho: float | None, resolution: int | None, rounding: str | None,
                classes: int | None, counting: str, ops: str, bn_params: str, dtype: str,
                depth_multiplier: float = 1.0, weight_dtype: str | None = None,
                memory_model: str = "naive", first_layer_trick: bool = False, device: str | None = None,
                fusion: str | None = None, depth_rounding: str = "ceil", ln_params: str = "affine") -> Config:
    if rho is not None and resolution is not None:
        raise click.UsageError("give either --rho or --resolution, not both")
    return Config(alpha=alpha, rho=rho, resolution=resolution,
                  rounding=Rounding(rounding) if rounding else None, classes=classes,
                  counting=Counting(counting), ops=OpsCounted(ops), bn_params=BnParams(bn_params), dtype=Dtype(dtype),
                  depth_multiplier=depth_multiplier, weight_dtype=Dtype(weight_dtype) if weight_dtype else None,
                  memory_model=MemoryModel(memory_model), first_layer_trick=first_layer_trick, device=device,
                  fusion=Fusion(fusion) if fusion else None, depth_rounding=DepthRounding(depth_rounding),
                  ln_params=LnParams(ln_params))


def variable_option(func: F) -> F:
    """`--set NAME=VALUE` (repeatable): a value for one of the spec's variables (mncost.variables)."""
    return click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                        help="Bind a spec variable: a choice, or for a slotted variable one choice for every slot "
                        "or a comma list (--set ks=3,5,7,...). Repeatable; unset variables take their default.")(func)


def variables_of(settings: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`NAME=VALUE` settings by name (a later one replaces an earlier one)."""
    found = {}
    for item in settings:
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise click.UsageError(f"--set '{item}' is not NAME=VALUE (e.g. --set ks=3 or --set d=2,3,4,4,4)")
        found[name.strip()] = value.strip()
    return found


def note_products(graph: Graph, config: Config) -> None:
    """Say on stderr when --ops conv-fc leaves a spec's attention products out (evaluate.products_note)."""
    from ..evaluate import products_note

    note = products_note(graph, config.ops)
    if note is not None:
        click.echo(note, err=True)
