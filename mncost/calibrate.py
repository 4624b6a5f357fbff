"""Fitting a device profile to measured latencies, and measuring how well the fit predicts.

A measurements file is CSV with a header naming the columns `spec,alpha,resolution,latency_ms`
and optionally `classes`, `dtype` and `source` (any order). `spec` is a bundled name or a spec
file; `dtype` (fp32 when absent or empty) is the precision the network ran at, and one file holds
one precision. The constants of the model (mncost.latency) are non-negative and minimise FIT_LOSS
over relative errors (every network weighs the same whatever its latency: least absolute
deviations by default, least squares on request), with the rule that a fit never has more constants
than networks: with n < 4 networks the first n - 1 of FIT_TERMS are fitted and one more constant
scales the rest of the prior profile (`prior_profile`: one of the networks' precision).

Errors are relative: predicted / measured − 1.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence

from .conventions import Dtype
from .errors import Location, SpecError
from .latency import (
    FIT_FUSION,
    FIT_LOSS,
    FIT_TERMS,
    INT8_PRIOR_PROFILES,
    PRIOR_PROFILE,
    FitLoss,
    Profile,
    coefficients_of,
    design_row,
    layer_features,
    profile_from_coefficients,
)
from .nnls import nnlad, nnls
from .record import record

REQUIRED = ("spec", "alpha", "resolution", "latency_ms")
OPTIONAL = ("classes", "dtype", "source")
MAX_ROWS = 10_000


@record
class Measurement:
    """One measured network: a spec under a config and its latency in milliseconds."""

    spec: str
    alpha: float
    resolution: int
    classes: int | None
    dtype: Dtype
    latency_ms: float
    source: str = ""
    location: Location | None = None

    @property
    def label(self) -> str:
        return f"{self.spec} {self.alpha:g}-{self.resolution}"


@record
class Network:
    """A measurement with the network's features: its family and its FIT_TERMS totals."""

    measurement: Measurement
    family: str
    design: tuple[float, ...]
    macs: int


def parse_measurements(text: str, path: str) -> tuple[Measurement, ...]:
    """The rows of a measurements CSV; a malformed row is a SpecError naming its line."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)  # a spreadsheet's UTF-8 BOM
    try:
        header = next(reader)
    except StopIteration:
        raise SpecError(Location(path, 1), "the file is empty (expected a header: "
                        "spec,alpha,resolution,classes,dtype,latency_ms)") from None
    except csv.Error as exc:
        raise SpecError(Location(path, 1), f"not valid CSV: {exc}") from None
    names = [h.strip() for h in header]
    for name in names:
        if name not in REQUIRED + OPTIONAL:
            raise SpecError(Location(path, 1), f"unknown column '{name}' (columns: {', '.join(REQUIRED + OPTIONAL)})")
    if len(set(names)) != len(names):
        raise SpecError(Location(path, 1), "a column is named twice")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise SpecError(Location(path, 1), f"missing column {', '.join(missing)} "
                        "(expected spec,alpha,resolution,latency_ms and optionally classes,dtype,source)")
    rows: list[Measurement] = []
    try:
        for cells in reader:
            where = Location(path, reader.line_num)
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(names):
                raise SpecError(where, f"{len(cells)} cells, expected {len(names)} ({','.join(names)})")
            rows.append(_row(dict(zip(names, (c.strip() for c in cells), strict=True)), where))
            if len(rows) > MAX_ROWS:
                raise SpecError(where, f"more than {MAX_ROWS:,} measurements")
    except csv.Error as exc:
        raise SpecError(Location(path, reader.line_num), f"not valid CSV: {exc}") from None
    if not rows:
        raise SpecError(Location(path, 1), "no measurements (only a header)")
    dtypes = {r.dtype for r in rows}
    if len(dtypes) > 1:
        other = next(r for r in rows if r.dtype != rows[0].dtype)
        raise SpecError(other.location, f"dtype {other.dtype} differs from the first row's {rows[0].dtype} "
                        "(one profile has one precision: split the file)")
    return tuple(rows)


def _number(cell: str, column: str, where: Location, integer: bool = False) -> float:
    try:
        value = int(cell) if integer else float(cell)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SpecError(where, f"'{column}' must be {kind} > 0, got {cell!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise SpecError(where, f"'{column}' must be a finite number > 0, got {cell!r}")
    return value


def _row(cells: dict[str, str], where: Location) -> Measurement:
    if not cells["spec"]:
        raise SpecError(where, "'spec' is empty (a bundled name such as v2, or a spec file)")
    dtype_text = cells.get("dtype", "") or "fp32"
    try:
        dtype = Dtype(dtype_text)
    except ValueError:
        raise SpecError(where, f"'dtype' must be one of {', '.join(d.value for d in Dtype)}, "
                        f"got {dtype_text!r}") from None
    classes_text = cells.get("classes", "")
    classes = int(_number(classes_text, "classes", where, integer=True)) if classes_text else None
    return Measurement(cells["spec"], _number(cells["alpha"], "alpha", where),
                       int(_number(cells["resolution"], "resolution", where, integer=True)), classes, dtype,
                       _number(cells["latency_ms"], "latency_ms", where), cells.get("source", ""), where)


def networks(measurements: Sequence[Measurement]) -> tuple[Network, ...]:
    """Evaluate every measured network (each spec is loaded once)."""
    from . import load
    from .errors import MncostError
    from .report import Config

    graphs = {}
    out = []
    for m in measurements:
        try:
            if m.spec not in graphs:
                graphs[m.spec] = load(m.spec)
            graph = graphs[m.spec]
            features = layer_features(graph, Config(alpha=m.alpha, resolution=m.resolution, classes=m.classes,
                                                    fusion=FIT_FUSION))
        except MncostError as exc:
            raise SpecError(m.location, f"{m.label}: {exc}") from None
        out.append(Network(m, graph.spec.family, design_row(features, m.dtype), sum(f.macs for f in features)))
    return tuple(out)


Fit = Callable[[Sequence[Network]], Callable[[Network], float]]
"""A fitting method: training networks -> a predictor of a network's milliseconds."""


def prior_profile(train: Sequence[Network]) -> str:
    """The bundled profile whose proportions a fit on these networks takes for the terms it cannot
    tell apart: for int8 networks the first of INT8_PRIOR_PROFILES not fitted on their own source
    (a row's `source` starting with the profile's; a prior never comes from the table it is tested
    on), else PRIOR_PROFILE."""
    from .profiles import load_profile

    if train and train[0].measurement.dtype is Dtype.INT8:
        sources = [n.measurement.source for n in train if n.measurement.source]
        for name in INT8_PRIOR_PROFILES:
            own = load_profile(name).source
            if not any(source.startswith(own) for source in sources):
                return name
    return PRIOR_PROFILE


def prior_coefficients(name: str = PRIOR_PROFILE) -> tuple[float, ...]:
    """The constants of a bundled prior profile (`prior_profile`) in FIT_TERMS order."""
    from .profiles import load_profile

    return coefficients_of(load_profile(name))


def solve_relative(rows: Sequence[Sequence[float]], loss: FitLoss = FIT_LOSS) -> list[float]:
    """Non-negative coefficients c making every row's c·row close to 1 (rows already divided by
    the measured latency, so residuals are relative errors), under `loss`."""
    if loss is FitLoss.ABSOLUTE:
        return nnlad(rows, [1.0] * len(rows))
    if loss is FitLoss.SQUARED:
        return nnls(rows, [1.0] * len(rows))
    raise AssertionError(loss)  # exhaustive over FitLoss


def fit_coefficients(train: Sequence[Network], prior: Sequence[float] | None = None,
                     loss: FitLoss = FIT_LOSS) -> tuple[float, ...]:
    """The FIT_TERMS coefficients (ms per unit) fitted to the training networks. With n networks
    fewer than the terms, the first n - 1 are fitted and one more constant scales the rest of
    `prior` (default: the constants of `prior_profile(train)`)."""
    if not train:
        raise ValueError("nothing to fit")
    weights = [1.0 / n.measurement.latency_ms for n in train]
    if len(train) >= len(FIT_TERMS):
        return tuple(solve_relative([[x * w for x in n.design] for n, w in zip(train, weights, strict=True)], loss))
    shape = tuple(prior) if prior is not None else prior_coefficients(prior_profile(train))
    free = len(train) - 1

    def rest(n: Network) -> float:
        return sum(p * x for p, x in zip(shape[free:], n.design[free:], strict=True))

    solution = solve_relative([[*(x * w for x in n.design[:free]), rest(n) * w]
                               for n, w in zip(train, weights, strict=True)], loss)
    return tuple(solution[:free]) + tuple(solution[free] * p for p in shape[free:])


def predict(coefficients: Sequence[float], network: Network) -> float:
    return sum(c * x for c, x in zip(coefficients, network.design, strict=True))


def model_fit(train: Sequence[Network], loss: FitLoss = FIT_LOSS) -> Callable[[Network], float]:
    """The profile model fitted on `train`."""
    coefficients = fit_coefficients(train, loss=loss)
    return lambda n: predict(coefficients, n)


def macs_only_fit(train: Sequence[Network], loss: FitLoss = FIT_LOSS) -> Callable[[Network], float]:
    """The baseline: latency proportional to MACs, one rate fitted on relative errors under the
    same loss as the model."""
    rate = solve_relative([[n.macs / n.measurement.latency_ms] for n in train], loss)[0] if train else 0.0
    return lambda n: rate * n.macs


def leave_one_out(nets: Sequence[Network], fit: Fit = model_fit) -> tuple[float, ...]:
    """Each network's prediction by a fit on all the others (NaN when there is no other)."""
    out = []
    for i, net in enumerate(nets):
        others = [n for j, n in enumerate(nets) if j != i]
        out.append(fit(others)(net) if others else math.nan)
    return tuple(out)


def leave_one_family_out(nets: Sequence[Network], fit: Fit = model_fit) -> tuple[float, ...]:
    """Each network's prediction by a fit on the networks of the other families (NaN: no other family)."""
    predictions: dict[int, float] = {}
    for family in sorted({n.family for n in nets}):
        train = [n for n in nets if n.family != family]
        predictor = fit(train) if train else None
        for i, n in enumerate(nets):
            if n.family == family:
                predictions[i] = predictor(n) if predictor else math.nan
    return tuple(predictions[i] for i in range(len(nets)))


@record
class Errors:
    """Summary of relative errors: mean absolute error and the share within ±10 %."""

    count: int
    mean_abs: float
    within_10: float
    worst: float


def summarize(nets: Sequence[Network], predictions: Sequence[float]) -> Errors:
    errors = [p / n.measurement.latency_ms - 1 for n, p in zip(nets, predictions, strict=True) if not math.isnan(p)]
    if not errors:
        return Errors(0, math.nan, math.nan, math.nan)
    return Errors(len(errors), sum(abs(e) for e in errors) / len(errors),
                  sum(abs(e) <= 0.1 + 1e-12 for e in errors) / len(errors), max(errors, key=abs))


@record
class Calibration:
    """A fitted profile with each network's fitted and leave-one-out latency."""

    profile: Profile
    networks: tuple[Network, ...]
    fitted: tuple[float, ...]
    leave_one_out: tuple[float, ...]

    @property
    def loo(self) -> Errors:
        return summarize(self.networks, self.leave_one_out)


def calibrate(measurements: Sequence[Measurement], *, name: str, device: str = "", runtime: str = "",
              threads: str = "", source: str = "", description: str = "",
              loss: FitLoss = FIT_LOSS) -> Calibration:
    """Fit a profile to the measurements (all at one precision) under `loss`; the leave-one-out
    figures are fitted under the same loss."""
    nets = networks(measurements)
    coefficients = fit_coefficients(nets, loss=loss)
    profile = profile_from_coefficients(coefficients, name=name, device=device, runtime=runtime, threads=threads,
                                        precision=measurements[0].dtype, source=source, description=description)
    return Calibration(profile, nets, tuple(predict(coefficients, n) for n in nets),
                       leave_one_out(nets, lambda train: model_fit(train, loss)))
