"""Prepared reads: a read document planned once into one statement that writes the answer.

``PreparedDocument`` plans a validated query (``plan``), binds each request's
arguments (``bind``) and builds, once per shape, SQL whose one value is the
answer's ``data`` as JSON (``build``, ``json_sql``), the same bytes the
reference executor writes. What a plan cannot answer is ``Uncovered`` (the
document) or ``Refused`` (the request): the reference way answers those.
"""

from schema.engine.prepared.bind import Refused
from schema.engine.prepared.document import PreparedDocument
from schema.engine.prepared.plan import Uncovered
from schema.engine.prepared.sqlite_functions import FUNCTIONS as SQLITE_FUNCTIONS

__all__ = ["SQLITE_FUNCTIONS", "PreparedDocument", "Refused", "Uncovered"]
