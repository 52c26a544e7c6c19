r"""Presets and candidates: a variant plus the hyperparameters it fixes, named as users name them.

A *variant* is code: which step functions run. A *preset* is a variant plus the
hyperparameters it fixes: ``"yuma3+la"`` is :data:`yuma.YUMA3` with ``liquid_alpha=True``
(:data:`VARIANT_PRESETS`). :class:`Candidate` is the general form, and
:func:`resolve_candidate` turns what a user types (a preset, a registered name,
``module:attribute`` or ``file.py:attribute``) into one. ``yuma compare``, ``yuma simulate
--variant``, :func:`yuma.testing.check_variant` and the figures all name variants this way.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..params import YumaParams
from .run_epoch import epoch
from .variants import _BUILTINS, VARIANTS, Variant, validate_variant

__all__ = ["VARIANT_PRESETS", "Candidate", "preset_params", "resolve_candidate", "smoke_test"]

VARIANT_PRESETS: dict[str, dict[str, Any]] = {
    "yuma2": {"variant": "yuma2", "liquid_alpha": False},
    "yuma3": {"variant": "yuma3", "liquid_alpha": False},
    "yuma3+la": {"variant": "yuma3", "liquid_alpha": True},
    "yuma2_liquid_alpha_v1": {"variant": "yuma2_liquid_alpha_v1", "liquid_alpha": True},
}
"""Named variant settings: the variant and whether liquid alpha is on."""


def preset_params(name: str, base: YumaParams | None = None) -> YumaParams:
    """Hyperparameters for a preset of :data:`VARIANT_PRESETS` on top of ``base``.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANT_PRESETS`.
    base : YumaParams, optional
        Other hyperparameters (default ``YumaParams()``).

    Returns
    -------
    YumaParams

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if not isinstance(name, str) or name not in VARIANT_PRESETS:
        raise ValueError(f"variant must be one of {sorted(VARIANT_PRESETS)}, got {name!r}")
    return dataclasses.replace(base or YumaParams(), **VARIANT_PRESETS[name])


@dataclass(frozen=True)
class Candidate:
    """A variant and the hyperparameters it fixes: what ``yuma compare`` runs.

    Parameters
    ----------
    label : str
        Name shown in tables (a preset's name, or the variant's).
    variant : Variant
        The steps.
    overrides : Mapping
        :class:`yuma.YumaParams` fields set on top of a run's hyperparameters (the
        presets set ``liquid_alpha``; a :class:`yuma.YumaParams` candidate sets all).
    """

    label: str
    variant: Variant
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label:
            raise ValueError(f"label must be a non-empty string, got {self.label!r}")
        validate_variant(self.variant, f"candidate {self.label!r}")
        names = {f.name for f in dataclasses.fields(YumaParams)}
        unknown = sorted(set(self.overrides) - names)
        if unknown:
            raise ValueError(f"overrides: {unknown} are not YumaParams fields")
        object.__setattr__(self, "overrides", dict(self.overrides))

    def params(self, base: YumaParams | None = None) -> YumaParams:
        """The hyperparameters of a run: ``base`` with this candidate's overrides.

        Parameters
        ----------
        base : YumaParams, optional
            What the run starts from (default ``YumaParams()``).

        Returns
        -------
        YumaParams
            ``variant`` names this candidate's variant when it is registered.
        """
        out = dataclasses.replace(base or YumaParams(), **self.overrides)
        if VARIANTS.get(self.variant.name) is self.variant and out.variant != self.variant.name:
            out = dataclasses.replace(out, variant=self.variant.name)
        return out


def _import_object(spec: str) -> Any:
    """The object named by ``module:attribute`` or ``path/file.py:attribute``."""
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise ValueError(f"{spec!r} is not of the form module:attribute")
    if module_name.endswith(".py"):
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ValueError(f"{spec!r}: no file {module_name!r}")
        mod_name = "_yuma_candidate_" + os.path.splitext(os.path.basename(path))[0]
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        if loader_spec is None or loader_spec.loader is None:  # pragma: no cover
            raise ValueError(f"{spec!r}: cannot load {module_name!r}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[mod_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(mod_name, None)
            raise ValueError(f"{spec!r}: loading {module_name!r} raised {exc!r}") from exc
    else:
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.insert(0, cwd)  # as `python -m` does: the current folder is importable
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise ValueError(f"{spec!r}: cannot import module {module_name!r} ({exc})") from exc
        except Exception as exc:
            raise ValueError(f"{spec!r}: importing {module_name!r} raised {exc!r}") from exc
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{spec!r}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def resolve_candidate(spec: Any, *, liquid_alpha: bool | None = None) -> Candidate:
    """Turn a candidate as given (name, ``module:attribute``, object) into a :class:`Candidate`.

    Parameters
    ----------
    spec : str, Variant, Candidate or YumaParams
        A preset name (``yuma3+la``), a registered variant name, ``module:attribute`` or
        ``file.py:attribute`` naming one of the objects below, a :class:`yuma.Variant`
        (a built-in object stands for its preset: ``YUMA2_LIQUID_ALPHA_V1`` runs with
        liquid alpha on), a :class:`Candidate`, or a :class:`yuma.YumaParams` (its
        variant with every field fixed).
    liquid_alpha : bool, optional
        Fix ``liquid_alpha`` on top of what ``spec`` fixes; the label gains ``+la`` when
        it turns it on.

    Returns
    -------
    Candidate

    Raises
    ------
    ValueError
        For an unknown name, a module or attribute that cannot be imported, or an object
        that is not a Variant, Candidate or YumaParams (the message says which).
    """
    presets = VARIANT_PRESETS
    if isinstance(spec, str):
        text = spec.strip()
        if text in presets:
            overrides = dict(presets[text])
            cand = Candidate(text, VARIANTS[overrides["variant"]], overrides)
        elif text in VARIANTS:
            cand = Candidate(text, VARIANTS[text], {})
        elif ":" in text:
            obj = _import_object(text)
            if isinstance(obj, str):
                raise ValueError(f"{spec!r} names a string, not a Variant")
            try:
                cand = resolve_candidate(obj)
            except ValueError as exc:
                raise ValueError(f"{spec!r}: {exc}") from None
        else:
            known = sorted(set(presets) | set(VARIANTS))
            raise ValueError(
                f"unknown variant {spec!r}; use one of {known} or module:attribute "
                "(naming a yuma.Variant, yuma.core.presets.Candidate or yuma.YumaParams)"
            )
    elif isinstance(spec, Candidate):
        cand = spec
    elif isinstance(spec, Variant):
        validate_variant(spec)
        builtin = _BUILTINS.get(spec.name) is spec and spec.name in presets
        cand = Candidate(spec.name, spec, dict(presets[spec.name]) if builtin else {})
    elif isinstance(spec, YumaParams):
        fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(YumaParams)}
        label = spec.variant + ("+la" if spec.liquid_alpha and spec.variant == "yuma3" else "")
        cand = Candidate(label, VARIANTS[spec.variant], fields)
    else:
        raise ValueError(
            "a candidate must be a yuma.Variant, yuma.core.presets.Candidate, yuma.YumaParams or "
            f"a name, got {type(spec).__name__}"
        )
    if liquid_alpha is not None:
        if not isinstance(liquid_alpha, (bool, np.bool_)):
            raise ValueError(f"liquid_alpha must be a bool or None, got {liquid_alpha!r}")
        on = bool(liquid_alpha)
        label = cand.label
        if on and not cand.overrides.get("liquid_alpha", False) and not label.endswith("+la"):
            label += "+la"
        cand = Candidate(label, cand.variant, {**cand.overrides, "liquid_alpha": on})
    return cand


def smoke_test(candidate: Candidate) -> None:
    """Run a candidate on two tiny epochs (square and rectangular); fail early and clearly.

    Parameters
    ----------
    candidate : Candidate
        What to run.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If an epoch raises; the message names the candidate and the error.
    """
    params = candidate.params()
    square = np.array([[0.0, 0.6, 0.4], [0.5, 0.0, 0.5], [0.2, 0.8, 0.0]])
    rect = np.array([[0.5, 0.5, 0.0], [0.9, 0.1, 0.0]])
    try:
        with np.errstate(all="ignore"):
            r = epoch(square, np.array([3.0, 1.0, 0.0]), params=params, variant=candidate.variant)
            epoch(square, np.array([3.0, 1.0, 0.0]), r.bonds, params=params,
                  variant=candidate.variant, validator_permit=r.validator_permit)
            epoch(rect, np.array([3.0, 1.0]), np.full((2, 3), 0.5), params=params,
                  variant=candidate.variant)
    except Exception as exc:
        raise ValueError(
            f"candidate {candidate.label!r} fails on a small epoch: {type(exc).__name__}: {exc}"
        ) from exc
