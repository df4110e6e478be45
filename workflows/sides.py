"""The two sides of a collective negotiation (协商双方): the union and the employer.

Apart from `workflows.rules`, which the machines read, because the rules read the machines'
states in turn: which deadlines run in which state (`rules.contract_deadlines`).
"""

UNION = "union"
EMPLOYER = "employer"
SIDES = (UNION, EMPLOYER)
