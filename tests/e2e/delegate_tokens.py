"""`python -m tests.e2e.delegate_tokens USERNAME…`: each delegate's employee number on the roster
and a new personal access token, as JSON — what each would read and create under Profile → API
access, made in one command so that the journey's many API voters are ready at once."""

import json
import sys

from sqlalchemy import select

from app import create_app
from app.auth.operations import create_token, find_user
from app.congress.models import Delegate
from app.extensions import db


def main(usernames: list[str]) -> dict[str, dict[str, str]]:
    found = {}
    for username in usernames:
        user = find_user(username)
        number = db.session.scalar(select(Delegate.employee_no).where(Delegate.user_id == user.id))
        found[username] = {"employee_no": number, "token": create_token(user, "e2e")[1]}
    db.session.commit()
    return found


if __name__ == "__main__":
    with create_app().app_context():
        print(json.dumps(main(sys.argv[1:])))
