"""Run configuration. Holds names and references only — never secrets.

A database is referenced by the *name* of an environment variable
(``dsn_env``); the value is read by a connection provider at run time, never
stored here and never written to disk by the cutter.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Mapping, Optional

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")
_SECRETISH = ("password", "passwd", "secret", "token", "dsn_value", "private_key")
_URLISH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s]*:[^@/\s]+@", re.I)


class ConfigError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class CutterConfig:
    document_code: str
    owner_ref: str = "owner/cutter"
    target_schema: str = "public"
    governance_schema: str = "cutter_governance"
    exec_role: str = "cutter_exec"
    verify_role: str = "cutter_verify"
    dsn_env: str = "IU_CUTTER_DSN"
    backup_gpg_fpr: Optional[str] = None

    def __post_init__(self) -> None:
        if not _CODE_RE.match(self.document_code or ""):
            raise ConfigError(f"document_code {self.document_code!r} must look like ICX-CONST")
        for name in ("target_schema", "governance_schema", "exec_role", "verify_role"):
            if not re.match(r"^[a-z_][a-z0-9_]*$", getattr(self, name)):
                raise ConfigError(f"{name} {getattr(self, name)!r} is not a plain SQL identifier")
        if not re.match(r"^[A-Z_][A-Z0-9_]*$", self.dsn_env):
            raise ConfigError(f"dsn_env must be an environment variable name, got {self.dsn_env!r}")
        if self.backup_gpg_fpr is not None and not re.match(r"^[0-9A-F]{40}$", self.backup_gpg_fpr):
            raise ConfigError("backup_gpg_fpr must be a 40-hex-digit GPG fingerprint")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_config(data: Mapping[str, Any]) -> CutterConfig:
    """Builds a config from a mapping; unknown keys and inline secrets are errors."""
    known = {f.name for f in dataclasses.fields(CutterConfig)}
    unknown = sorted(set(data) - known)
    for key in unknown:
        if any(s in key.lower() for s in _SECRETISH) or key.lower() == "dsn":
            raise ConfigError(f"config key {key!r} would hold a secret; reference it via dsn_env instead")
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
    for key, value in data.items():
        if isinstance(value, str) and _URLISH.match(value):
            raise ConfigError(f"config key {key!r} holds a URL with credentials")
    return CutterConfig(**dict(data))


def load_config_file(path: str) -> CutterConfig:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be an object")
    return load_config(data)
