"""Device profiles as YAML files: the bundled ones, reading one (errors name file:line), writing one.

The bundled profiles live in the data folder `mncost/devices/` (`devices/` in a source checkout);
this module is called `profiles` so that a module and a folder never share a name.

A profile file (all times in milliseconds; see mncost.latency for the model)::

    name: pixel1-v3paper-fp32
    device: Pixel 1
    runtime: TensorFlow Lite
    threads: single large core
    precision: fp32            # fp32 | fp16 | bf16 | int8: bytes per activation and weight
    source: MobileNetV3 paper arXiv:1905.02244, Table 3
    description: ...           # optional
    ms_per_gmac: {dense: 0.19, depthwise: 0.9}   # per 10^9 MACs; also grouped, elementwise, pooling
    fusion: conv-bn-act        # optional (default tflite): how the runtime folds BN and activations
    ms_per_mb: 0.01            # per 10^6 bytes moved
    cache_mb: 0.25             # optional (default 0): a layer moving at most this many MB costs no memory time
    ms_per_op: 0.05            # per kernel launched
    ms_per_mact: {hswish: 0.5} # optional: per 10^6 elements of a separately run activation
    lut: {"dwconv k3 s1 g96 act=relu6 112x112x96->112x112x96": 1.7}   # optional measured layers
    calibration: {...}         # optional: what the constants were fitted on (informational)
"""

from __future__ import annotations

import math
import os
from typing import Any

from .conventions import Dtype, Fusion
from .errors import Location, SpecError
from .latency import OpClass, Profile
from .ops import ACTIVATIONS

_KEYS = ("name", "device", "runtime", "threads", "precision", "source", "description", "fusion", "ms_per_gmac",
         "ms_per_mb", "cache_mb", "ms_per_op", "ms_per_mact", "lut", "calibration")
_REQUIRED = ("name", "precision", "ms_per_gmac", "ms_per_mb", "ms_per_op")


def devices_path() -> str:
    """Bundled profiles (mncost.bundled.data_path)."""
    from .bundled import data_path

    return data_path("devices")


def bundled_devices() -> list[str]:
    return sorted(name[:-5] for name in os.listdir(devices_path()) if name.endswith(".yaml"))


def locate_device(device: str) -> tuple[str, str]:
    """A device argument as (path, name shown in messages): a bundled profile name or a YAML file."""
    if not device.strip():
        raise SpecError(None, "the device argument is empty (give a bundled profile name or a YAML file)")
    if not (device.endswith((".yaml", ".yml")) or "/" in device or "\\" in device):
        bundled = os.path.join(devices_path(), f"{device}.yaml")
        if os.path.isfile(bundled):
            return bundled, f"devices/{device}.yaml"
        if not os.path.exists(device):
            raise SpecError(None, f"unknown device '{device}': not a bundled profile "
                            f"({', '.join(bundled_devices())}) nor a file")
    return device, device


def load_profile(device: str) -> Profile:
    """Read a bundled profile by name or a profile file."""
    from .spec import read_file
    from .yamlload import read_text

    path, shown = locate_device(device)
    return parse_profile(read_text(shown, read_file(path, shown)), shown)


_LOADED: dict[tuple[str, int, int], Profile] = {}


def profile_for(device: str) -> Profile:
    """`load_profile`, read again only when the file changed: a fit or a sweep with a --device
    evaluates many networks on one profile."""
    path, _ = locate_device(device)
    try:
        stat = os.stat(path)
    except OSError:
        return load_profile(device)  # reports the error
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        _LOADED[key] = load_profile(device)
    return _LOADED[key]


def parse_profile(text: str, path: str) -> Profile:
    """A profile from YAML text; every error is a SpecError at the offending line."""
    from .yamlload import LocMap, load_yaml

    doc = load_yaml(text, path)
    if not isinstance(doc, LocMap):
        raise SpecError(Location(path, 1), "a device profile must be a mapping (name:, precision:, ms_per_gmac:, ...)")
    for key in doc:
        if key not in _KEYS:
            raise SpecError(doc.key_loc(key), f"unknown key '{key}' (keys: {', '.join(_KEYS)})")
    for key in _REQUIRED:
        if key not in doc:
            raise SpecError(doc.location, f"missing '{key}'")

    def text_of(key: str) -> str:
        value = doc.get(key, "")
        if not isinstance(value, str):
            raise SpecError(doc.loc(key), f"'{key}' must be text, got {value!r}")
        return value

    precision_text = doc["precision"]
    try:
        precision = Dtype(precision_text)
    except ValueError:
        raise SpecError(doc.loc("precision"), f"'precision' must be one of {', '.join(d.value for d in Dtype)}, "
                        f"got {precision_text!r}") from None
    fusion = Fusion.TFLITE
    if "fusion" in doc:
        try:
            fusion = Fusion(doc["fusion"])
        except ValueError:
            raise SpecError(doc.loc("fusion"), f"'fusion' must be one of {', '.join(f.value for f in Fusion)}, "
                            f"got {doc['fusion']!r}") from None
    cache_mb = 0.0
    if "cache_mb" in doc:
        value = doc["cache_mb"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise SpecError(doc.loc("cache_mb"), f"'cache_mb' must be a number of MB >= 0, got {value!r}")
        cache_mb = float(value)
    rates = _mapping(doc, "ms_per_gmac", {c.value for c in OpClass if c is not OpClass.FREE})
    acts = _mapping(doc, "ms_per_mact", set(ACTIVATIONS)) if "ms_per_mact" in doc else {}
    lut = _mapping(doc, "lut", None) if "lut" in doc else None
    if "calibration" in doc and not isinstance(doc["calibration"], dict):
        raise SpecError(doc.loc("calibration"), "'calibration' must be a mapping")
    return Profile(text_of("name"), text_of("device"), text_of("runtime"), text_of("threads"), precision,
                   {OpClass(k): v for k, v in rates.items()}, _time(doc, "ms_per_mb"), _time(doc, "ms_per_op"),
                   acts, text_of("source"), text_of("description"), lut, fusion, cache_mb)


def _time(doc: Any, key: str, where: Location | None = None) -> float:
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise SpecError(where or doc.loc(key), f"'{key}' must be a number of milliseconds >= 0, got {value!r}")
    return float(value)


def _mapping(doc: Any, key: str, allowed: set[str] | None) -> dict[str, float]:
    from .yamlload import LocMap

    value = doc[key]
    if not isinstance(value, LocMap):
        raise SpecError(doc.loc(key), f"'{key}' must be a mapping")
    out = {}
    for name in value:
        if allowed is not None and name not in allowed:
            raise SpecError(value.key_loc(name), f"unknown {key} entry '{name}' (one of {', '.join(sorted(allowed))})")
        out[name] = _time(value, name)
    return out


def dump_profile(profile: Profile, calibration: dict[str, Any] | None = None) -> str:
    """YAML text of a profile (parse_profile reads it back; constants kept to six significant digits)."""
    import yaml

    doc: dict[str, Any] = {
        "name": profile.name, "device": profile.device, "runtime": profile.runtime, "threads": profile.threads,
        "precision": profile.precision.value, "source": profile.source,
    }
    if profile.description:
        doc["description"] = profile.description
    if profile.fusion is not Fusion.TFLITE:
        doc["fusion"] = profile.fusion.value
    doc["ms_per_gmac"] = {str(k): _round(v) for k, v in profile.ms_per_gmac.items()}
    doc["ms_per_mb"] = _round(profile.ms_per_mb)
    if profile.cache_mb:
        doc["cache_mb"] = profile.cache_mb
    doc["ms_per_op"] = _round(profile.ms_per_op)
    if profile.ms_per_mact:
        doc["ms_per_mact"] = {k: _round(v) for k, v in profile.ms_per_mact.items()}
    if profile.lut:
        doc["lut"] = dict(profile.lut)
    if calibration:
        doc["calibration"] = calibration
    header = "# mncost device profile (docs/latency.md). Times in ms: per GMAC, per MB moved, per kernel.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def _round(value: float) -> float:
    """Six significant digits: enough for the model, stable in a diff."""
    return float(f"{value:.6g}")
