"""Every command's workflow is a function of ``network.api`` (``COMMAND_FUNCTIONS``), and the command calls it."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable

import pytest

import network
from network import api
from network.cli.commands import build_subcommand_parser
from network.cli.main import main as _registers_every_command  # noqa: F401


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _handlers() -> dict[str, Callable[..., int]]:
    """Every command (``network`` by its subcommands) -> the function its parser runs (``set_defaults(run=...)``)."""
    out = {}
    for name, p in _subparsers(build_subcommand_parser()).items():
        nested = _subparsers(p)
        for sub, q in nested.items():
            out[f"{name} {sub}"] = q._defaults["run"]
        if not nested:
            out[name] = p._defaults["run"]
    return out


def test_every_command_maps_to_api_functions_and_only_commands_do() -> None:
    assert set(api.COMMAND_FUNCTIONS) | set(api.INTERACTIVE_COMMANDS) == set(_handlers())
    assert not set(api.COMMAND_FUNCTIONS) & set(api.INTERACTIVE_COMMANDS)


@pytest.mark.parametrize("command", sorted(api.COMMAND_FUNCTIONS))
def test_the_command_calls_its_api_function(command: str) -> None:
    """The handler's code names each function; each is the ``network.run`` workflow, exported by ``network``."""
    handler = _handlers()[command]
    source = inspect.getsource(handler)
    module = inspect.getmodule(handler)
    helpers = [f for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__ and f"{n}(" in source]
    source += "".join(inspect.getsource(f) for f in helpers)  # one level down: run -> cmd_run, validate's lambda -> cmd_validate
    for name in api.COMMAND_FUNCTIONS[command]:
        fn = getattr(api, name)
        assert fn.__module__.startswith("network.run."), f"{name} lives in {fn.__module__}, not a workflow module"
        assert name in network.__all__ and getattr(network, name) is fn
        assert f"{name}(" in source, f"the '{command}' command does not call {name}"


@pytest.mark.parametrize("name", sorted({n for names in api.COMMAND_FUNCTIONS.values() for n in names}))
def test_every_workflow_is_typed_and_documented(name: str) -> None:
    fn = getattr(api, name)
    sig = inspect.signature(fn)
    assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return type"
    for p in sig.parameters.values():
        assert p.annotation is not inspect.Parameter.empty, f"{name}({p.name}) has no type"
    doc = inspect.getdoc(fn) or ""
    assert doc, f"{name} has no docstring"
    if len(sig.parameters) > 1:
        assert "Parameters\n----------" in doc, f"{name}: the docstring names no parameters (NumPy style)"


def test_the_package_exports_the_api_functions() -> None:
    functions = {n for n in api.__all__ if callable(getattr(api, n)) and not isinstance(getattr(api, n), type)}
    assert functions == set(network.__all__) - {"OSM_ATTRIBUTION", "InputError", "PlannerError"}
