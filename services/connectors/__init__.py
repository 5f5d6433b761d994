"""The connectors service tasks can name (docs/connectors.md): ``notify`` a role of a
unit, ``generate_document`` from a template, ``http_request`` to an endpoint the operator
allows. ``register`` puts them on the runtime; the scheduler performs the calls that leave
the product (``perform_connector_calls``).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.connectors._http import HttpSettings
from services.connectors._registry import connector_list, perform_connector_calls, register

__all__ = ["HttpSettings", "connector_list", "perform_connector_calls", "register"]
