"""Contracts of the Jeugdbeschermingsplein Rotterdam-Rijnmond.

* :mod:`jbplein_contracts.v1`: the events (CloudEvents 1.0, NL GOV profile);
* :mod:`jbplein_contracts.subjects`: the NATS subjects and JetStream streams;
* :mod:`jbplein_contracts.werkdagen`: working days and deadlines;
* ``schemas/``: generated JSON Schema per event and the AsyncAPI document.
"""

__version__ = "1.0.0"
