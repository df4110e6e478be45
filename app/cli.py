"""`flask accord …`: each command commits once, or rolls back and says why."""

import sys
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from app.errors import AccordError
from app.extensions import db

accord_cli = AppGroup("accord", help="Accord administration.")


@contextmanager
def unit_of_work():
    """One transaction for the command: commit on success, roll back on any error."""
    from app.orgs.operations import sync_calendar

    try:
        sync_calendar()
        yield
        db.session.commit()
    except AccordError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        for field, messages in exc.details.items():
            click.echo(f"  {field}: {'; '.join(messages)}", err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise


@accord_cli.command("seed-demo")
def seed_demo_command():
    """Load the demo data once (running it again changes nothing) and print the demo logins."""
    from app.demo import DEMO_PASSWORD, demo_logins, seed_demo

    with unit_of_work():
        created = seed_demo()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in demo_logins():
        click.echo(f"  {username:<22} {description}")


@accord_cli.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name, as on record.")
@click.option("--email", default=None)
@click.option("--global-role", type=click.Choice(["federation_admin", "labour_officer"]))
@click.option("--region", "region_code", default=None, help="Region code (labour officers).")
@click.password_option()
def create_user_command(username, full_name, email, global_role, region_code, password):
    """Create a user (e.g. the first federation administrator)."""
    from sqlalchemy import select

    from app.auth.operations import create_user
    from app.orgs.models import Region

    with unit_of_work():
        region = None
        if region_code:
            region = db.session.scalar(select(Region).where(Region.code == region_code))
            if region is None:
                raise click.BadParameter(f"no region with code {region_code}")
        user = create_user(
            username, full_name, password, email=email, global_role=global_role, region=region
        )
    click.echo(f"Created user {user.username}.")


@accord_cli.command("tick")
def tick_command():
    """Fire every deadline that fell due (run it from cron every minute) and say what it did."""
    from app.tick import run_tick

    with unit_of_work():
        lines = run_tick()
    click.echo(", ".join(lines) + ".")


@accord_cli.command("init-ca")
def init_ca_command():
    """Create this deployment's signing CA (once; its key encrypted under ACCORD_CA_PASSPHRASE)
    and print its certificate's SHA-256 fingerprint, to publish for whoever verifies contracts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    from app.auth.operations import signing_authority

    with unit_of_work():
        authority = signing_authority()
    certificate = x509.load_pem_x509_certificate(authority.cert_pem)
    click.echo(f"Signing CA: {certificate.subject.rfc4514_string()}")
    click.echo(f"SHA-256 fingerprint: {certificate.fingerprint(hashes.SHA256()).hex(':')}")


# name → (module, machine attribute)
WORKFLOWS = {
    "negotiation": ("workflows.negotiation", "machine"),
    "congress-session": ("workflows.congress", "SESSION_MACHINE"),
    "congress-motion": ("workflows.congress", "MOTION_MACHINE"),
    "contract": ("workflows.contract", "machine"),
}


@accord_cli.command("diagram")
@click.argument("workflow", type=click.Choice(sorted(WORKFLOWS)))
def diagram_command(workflow):
    """Print the Mermaid state diagram generated from a workflow's machine."""
    from importlib import import_module

    from workflows.diagram import mermaid

    module, attribute = WORKFLOWS[workflow]
    click.echo(mermaid(getattr(import_module(module), attribute)))


audit_cli = AppGroup("audit", help="The audit log.")
accord_cli.add_command(audit_cli)


@audit_cli.command("verify")
def audit_verify_command():
    """Recompute every hash chain; name the first broken link and exit 1 if there is one."""
    from app.audit.operations import verify_chains

    checked, broken = verify_chains()
    if broken is not None:
        click.echo(f"BROKEN after checking {checked} events: {broken}", err=True)
        sys.exit(1)
    click.echo(f"Audit log intact: {checked} events verified.")
