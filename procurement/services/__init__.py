"""Write services of the procurement app (one door for admin, API, commands and demo data).

Each service is keyword-only and atomic. State changes of projects, tenders, objections and complaints go through
the declarations in ``procurement.workflow`` (``Workflow.apply``: lock, actor, state, inputs, history, audit); the
effects registered here do the rest. Other writes check permission (``procurement.permissions``), lock with
``portal.locks``, save with history and audit ``procurement.<entity>.<verb>`` in the same transaction, and raise
``ValidationError`` with a Chinese message.
"""

from procurement.services import award, evaluation, projects, remedies, tenders  # noqa: F401  (registers the effects)
