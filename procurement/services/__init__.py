"""Write services of the procurement app (one door for admin, API, commands and demo data).

Each service is keyword-only, atomic, checks permission (``procurement.permissions``) and state
(``procurement.workflows``), locks what it changes, writes the audit log in the same transaction and raises
``ValidationError`` with a Chinese message.
"""
