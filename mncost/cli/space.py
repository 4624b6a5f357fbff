"""`mncost space`: count, sample, evaluate, enumerate and list the layer keys of a search space."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Iterator
from typing import Any

import click

from ..conventions import Counting, OpsCounted
from ..errors import MncostError
from ..fit import parse_bytes, parse_count
from ..space import KEY_FIELDS, KeysPer, Sampling
from ._group import main
from .options import convention_options, make_config
from .progress import shows_progress

MAX_ENUMERATE = 100_000
"""Most configurations `enumerate` writes without --yes."""

FIGURES = ("params", "macs", "peak_bytes", "activation_bytes")


def _conventions(func: Any) -> Any:
    """The `show` conventions a space's figures depend on, and the output options."""
    options = [
        click.option("--format", "-f", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
                     help="Output format. Default: from the -o suffix (.csv, .jsonl), else jsonl."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                     help="Write to FILE (atomically: all or nothing) instead of standard output."),
    ]
    for option in reversed(options):
        func = option(func)
    return convention_options(func, ("counting", "ops", "bn_params", "dtype", "memory_model", "device"))


def _space(name: str, options: dict[str, Any]) -> Any:
    from ..space import load_space

    config = make_config(alpha=1.0, rho=None, resolution=None, rounding=None, classes=None, ops=options["ops"],
                         bn_params=options["bn_params"], dtype=options["dtype"], counting=options["counting"],
                         memory_model=options["memory_model"], device=options.get("device"))
    if config.device is not None:
        from ..profiles import profile_for

        profile_for(config.device)  # a bad profile is an error before anything is computed
    space = load_space(name, config)
    if config.ops is OpsCounted.CONV_FC and space.has_products():
        from ..evaluate import products_sentence

        click.echo(products_sentence(f"{space.file.name} (every configuration)", "the matrix products"), err=True)
    return space


def _format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    return "csv" if output and output.lower().endswith(".csv") else "jsonl"


def _rows(space: Any, configs: Iterable[Any], counting: str, where: str | None = None) -> Iterator[dict[str, Any]]:
    """Each configuration with its figures; `configs` yields (line number, configuration) when
    `where` names the file they come from (a bad one is an error naming its line)."""
    from ..space import ConfigurationError

    arithmetic = "flops" if counting == Counting.FLOPS.value else "macs"
    factor = 2 if arithmetic == "flops" else 1
    for item in configs:
        if where is None:
            config = item
            cost = space.cost(config)
        else:
            number, config = item
            try:
                cost = space.cost(config)
            except ConfigurationError as exc:
                raise MncostError(f"{where}:{number}: {exc}") from None
        row = {"config": config, "params": cost.params, arithmetic: cost.macs * factor,
               "peak_bytes": cost.peak_bytes, "activation_bytes": cost.activation_bytes}
        if cost.latency_ms is not None:
            row["latency_ms"] = cost.latency_ms
        yield row


def _lines(rows: Iterator[dict[str, Any]], fmt: str, keys: list[str]) -> Iterator[str]:
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, separators=(", ", ": ")) + "\n"
        return
    first = next(rows, None)
    if first is None:
        return
    header = [*keys, *(k for k in first if k != "config")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in [first] if first is not None else []:
        writer.writerow(_csv_cells(row, keys))
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_csv_cells(row, keys))
        yield buffer.getvalue()


def _csv_cells(row: dict[str, Any], keys: list[str]) -> list[Any]:
    config = row.get("config", row)
    cells = [" ".join(map(str, v)) if isinstance(v, list) else v for v in (config[k] for k in keys)]
    return cells + [v for k, v in row.items() if k != "config"]


def _emit(lines: Iterable[str], output: str | None) -> None:
    from .emit import emit_lines

    emit_lines(lines, output)


def _first_computed(lines: Iterator[str]) -> Iterator[str]:
    """Compute the first line before anything is written: a failure at once leaves no file."""
    import itertools

    first = next(lines, None)
    return iter(()) if first is None else itertools.chain([first], lines)


@main.group()
def space() -> None:
    """Search spaces: a spec with variables and the choices a search draws from (e.g. ofa-mbv3)."""


@space.command()
@click.argument("name")
def count(name: str) -> None:
    """The exact number of distinct sub-networks of the space NAME, and with its resolutions."""
    from ..space import load_space

    s = load_space(name)
    click.echo(f"{s.file.name}: {s.count():,} sub-networks; {s.count(True):,} with the {len(s.resolutions)} "
               f"resolutions ({', '.join(map(str, s.resolutions))})")


@space.command()
@click.argument("name")
@click.option("-n", "number", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many configurations.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (the same seed, the same draws).")
@click.option("--max-macs", metavar="COUNT", default=None, help="Only configurations within this MAC budget (300M).")
@click.option("--max-params", metavar="COUNT", default=None, help="Only configurations within this parameter budget.")
@click.option("--max-peak-memory", metavar="BYTES", default=None, help="Only configurations within this peak memory.")
@click.option("--max-draws", type=click.IntRange(min=1), default=10_000_000, show_default=True,
              help="Give up after this many draws.")
@click.option("--sampling", type=click.Choice([m.value for m in Sampling]), default=Sampling.SUBNETWORK.value,
              show_default=True,
              help="subnetwork: uniformly over the distinct sub-networks (as count counts them), each in its "
                   "canonical form; slot: every slot and depth uniformly and independently, as Once-for-All's "
                   "sampler (not uniform over sub-networks).")
@click.option("--unique", is_flag=True,
              help="N distinct configurations (sub-network and resolution): a repeat is drawn again; an error "
                   "if the space, within the budgets, has fewer.")
@_conventions
@shows_progress("mncost space sample {name}")
def sample(name: str, number: int, seed: int, max_macs: str | None, max_params: str | None,
           max_peak_memory: str | None, max_draws: int, sampling: str, unique: bool, fmt: str | None,
           output: str | None, **options: Any) -> None:
    """N random configurations with their figures: by default uniform over the distinct
    sub-networks and resolutions; with budgets only those within them (stderr says how many draws)."""
    try:
        budgets = (parse_count(max_macs) if max_macs else None, parse_count(max_params) if max_params else None,
                   parse_bytes(max_peak_memory) if max_peak_memory else None)
    except MncostError as exc:
        raise click.UsageError(str(exc)) from None
    s = _space(name, options)

    def fits(config: dict[str, Any]) -> bool:
        cost = s.cost(config)
        return ((budgets[0] is None or cost.macs <= budgets[0]) and (budgets[1] is None or cost.params <= budgets[1])
                and (budgets[2] is None or cost.peak_bytes <= budgets[2]))

    if unique:
        _check_enough(s, number, fits if any(b is not None for b in budgets) else None)
    rng = random.Random(seed)
    how = Sampling(sampling)
    draws = [0]
    what = "distinct configurations" if unique else "configurations"

    def kept() -> Iterator[dict[str, Any]]:
        found = 0
        seen: set[tuple[Any, ...]] = set()
        while found < number:
            if draws[0] >= max_draws:
                raise MncostError(f"{found:,} of {number:,} {what} within the budget after {draws[0]:,} "
                                  f"draws (--max-draws); nothing written")
            draws[0] += 1
            config = s.sample(rng, how)
            if unique:
                identity = s.identity(config)
                if identity in seen:
                    continue
            if fits(config):
                if unique:
                    seen.add(identity)
                found += 1
                yield config

    fmt = _format(fmt, output)
    lines = list(_lines(_rows(s, kept(), options["counting"]), fmt, [*s.variables, "r"]))
    _emit(lines, output)
    things = what if number != 1 else what.removesuffix("s")
    click.echo(f"{number:,} {things} in {draws[0]:,} draw{'s' if draws[0] != 1 else ''}", err=True)


def _check_enough(s: Any, number: int, fits: Any) -> None:
    """Refuse `--unique -n N` at once when the space has fewer than N configurations, or (a space
    small enough to enumerate, under budgets) fewer than N within them."""
    size = s.count(True)
    resolutions = len(s.resolutions)
    if number > size:
        raise MncostError(f"-n {number:,} --unique: the space has {size:,} distinct configurations "
                          f"({s.count():,} sub-networks x {resolutions} resolution{'s' if resolutions > 1 else ''})")
    if fits is not None and size <= MAX_ENUMERATE:
        within = sum(1 for config in s.enumerate() if fits(config))
        if number > within:
            raise MncostError(f"-n {number:,} --unique: {within:,} of the space's {size:,} distinct configurations "
                              f"are within the budgets")


@space.command(name="eval")
@click.argument("name")
@click.option("--configs", "configs", type=click.Path(dir_okay=False, allow_dash=True), required=True,
              help="A JSONL file (one configuration object a line) or a CSV file with a header naming the "
                   "variables and r (list cells as space-separated numbers).")
@_conventions
@shows_progress("mncost space eval {name}")
def eval_command(name: str, configs: str, fmt: str | None, output: str | None, **options: Any) -> None:
    """The figures of every configuration in --configs FILE, in input order, streamed."""
    s = _space(name, options)
    fmt = _format(fmt, output)
    if fmt == "jsonl" and s.config.device is None and all(
            type(c) is int for var in s.variables.values() for c in var.choices):
        lines: Iterator[str] = _jsonl_rows(s, _read_configs(configs, s, texts=True), options["counting"], configs)
    else:
        lines = _lines(_rows(s, _read_configs(configs, s), options["counting"], configs), fmt, [*s.variables, "r"])
    _emit(_first_computed(_chunks(lines)), output)


def _jsonl_rows(space: Any, configs: Iterable[tuple[int, Any, str | None]], counting: str,
                where: str) -> Iterator[str]:
    """`_lines(_rows(...))` for JSON Lines, fast: a space whose choices are all whole numbers
    (checked by `cost`: every value is then an int, or a float equal to one, which `str` writes as
    `json.dumps` does) and no device, each row formatted from one template. A line that is already
    the configuration as `json.dumps` writes it (`_as_dumped`: what `space sample` and a Python
    `json.dumps` loop write) is copied instead of written anew."""
    from ..space import ConfigurationError

    arithmetic = "flops" if counting == Counting.FLOPS.value else "macs"
    factor = 2 if arithmetic == "flops" else 1
    template = ('{"config": %s, "params": %d, "' + arithmetic
                + '": %d, "peak_bytes": %d, "activation_bytes": %d}\n')
    quoted = {name: json.dumps(name) + ": " for name in [*space.variables, "r"]}
    cost, join, keys = space.cost, ", ".join, len(space.variables) + 1
    for number, config, line in configs:
        try:
            params, macs, peak, activation, _ = cost(config, remember=False)
        except ConfigurationError as exc:
            raise MncostError(f"{where}:{number}: {exc}") from None
        if line is None or not _as_dumped(line, keys):
            line = "{" + join([quoted[k] + ("[" + join(map(str, v)) + "]" if v.__class__ is list else str(v))
                               for k, v in config.items()]) + "}"
        yield template % (line, params, macs * factor, peak, activation)


def _as_dumped(text: str, keys: int) -> bool:
    """Whether the JSON text of a configuration that `cost` accepted (its keys the variables and r,
    its values whole numbers or lists of them) is exactly what `json.dumps` writes for it: the
    tokens are then the same (JSON writes a whole number one way, but for -0; no escapes; one key
    per colon), so only the blanks can differ, and those are one after each comma and colon."""
    commas, colons = text.count(","), text.count(":")
    return (colons == keys and text.count(", ") == commas and text.count(": ") == colons
            and text.count(" ") == commas + colons and "\t" not in text and "\r" not in text
            and "\\" not in text and "-" not in text)


def _chunks(lines: Iterator[str], size: int = 4_096) -> Iterator[str]:
    """The lines joined in chunks of `size` (fewer, larger writes)."""
    import itertools

    while True:
        chunk = "".join(itertools.islice(lines, size))
        if not chunk:
            return
        yield chunk


def _read_configs(path: str, s: Any, texts: bool = False) -> Iterator[tuple[Any, ...]]:
    """(line number, configuration) of every non-blank line; the configuration is checked when costed.
    With `texts`, (line number, configuration, the line's JSON text, or None for a CSV line or a
    line of `space sample`'s output)."""
    from ..space import ConfigurationError

    handle = click.open_file(path, encoding="utf-8")
    is_csv = path.lower().endswith(".csv")
    # json.loads without its Python wrapper (a line it refuses is read again by json.loads, for the message)
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    with handle:
        header: list[str] | None = None
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            dumped: str | None = None  # the line's JSON text, where it is the configuration itself
            try:
                if is_csv:
                    cells = next(csv.reader([line]))
                    if header is None:
                        header = [c.strip() for c in cells]
                        continue
                    if len(cells) != len(header):
                        raise ConfigurationError(f"{len(cells)} cells, the header names {len(header)}")
                    wanted = set(s.variables) | {"r"}  # figure columns (sample's output) are left out
                    config: Any = {k: _cell(v) for k, v in zip(header, cells, strict=True) if k in wanted}
                else:
                    text = line.strip(" \t\r\n")  # JSON's blanks
                    try:
                        config, end = scan(text, 0)
                        if end != len(text):
                            raise ValueError(text)
                    except (StopIteration, ValueError):
                        try:
                            config = json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise ConfigurationError(f"not JSON ({exc.msg})") from None
                    if isinstance(config, dict) and "config" in config and isinstance(config["config"], dict):
                        config = config["config"]  # a line of sample's output
                    else:
                        dumped = text
            except ConfigurationError as exc:
                raise MncostError(f"{path}:{number}: {exc}") from None
            yield (number, config, dumped) if texts else (number, config)


def _cell(text: str) -> Any:
    text = text.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    parts = text.split()
    try:
        values = [int(p) for p in parts]
    except ValueError:
        return text
    return values


@space.command(name="enumerate")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help=f"Enumerate a space larger than {MAX_ENUMERATE:,} configurations.")
@_conventions
def enumerate_command(name: str, yes: bool, fmt: str | None, output: str | None, **options: Any) -> None:
    """Every distinct sub-network at every resolution, with its figures (small spaces)."""
    s = _space(name, options)
    size = s.count(True)
    if size > MAX_ENUMERATE and not yes:
        raise click.UsageError(f"the space has {size:,} configurations, more than {MAX_ENUMERATE:,}; give --yes to "
                               f"enumerate it anyway")
    fmt = _format(fmt, output)
    _emit(_first_computed(_lines(_rows(s, s.enumerate(), options["counting"]), fmt, [*s.variables, "r"])), output)


def _lut_cell(value: Any) -> Any:
    """A CSV cell of a layer key: a shape as `80 80 16`, several inputs as `80 80 16; 80 80 16`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return "; ".join(" ".join(map(str, shape)) for shape in value)
        return " ".join(map(str, value))
    return value


@space.command(name="lut-keys")
@click.argument("name")
@click.option("--per", type=click.Choice([m.value for m in KeysPer]), default=KeysPer.BLOCK.value, show_default=True,
              help="block: one key per distinct block instance (template, shapes, arguments), the unit OFA's, "
                   "ProxylessNAS's and FBNet's latency tables time; layer: one per distinct layer, keyed as a "
                   "device profile's lut entries.")
@_conventions
def lut_keys(name: str, per: str, fmt: str | None, output: str | None, **options: Any) -> None:
    """The distinct block or layer configurations (shapes, kernel, stride, expansion, SE, activation,
    ...) in the whole space: the list to time on a device for a latency lookup table."""
    s = _space(name, options)
    keys = s.lut_keys(KeysPer(per))
    fmt = _format(fmt, output)
    if fmt == "jsonl":
        lines = [json.dumps(k, separators=(", ", ": ")) + "\n" for k in keys]
    else:
        present = {c for k in keys for c in k}
        columns = [c for c in KEY_FIELDS if c in present]
        columns += [c for c in dict.fromkeys(c for k in keys for c in k) if c not in columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for k in keys:
            writer.writerow([_lut_cell(k.get(c, "")) for c in columns])
        lines = [buffer.getvalue()]
    _emit(lines, output)
    blocks = sum(1 for k in keys if "block" in k)
    what = (f"{blocks:,} distinct blocks and {len(keys) - blocks:,} distinct layers outside blocks"
            if per == KeysPer.BLOCK.value else f"{len(keys):,} distinct layer configurations")
    click.echo(what, err=True)
