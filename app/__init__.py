"""Accord: skill-grade wage collective negotiation (能级工资集体协商)."""

from flask import Flask

from app.config import INSTANCE_PATH, PROJECT_ROOT, Config, instance_secret, instance_secret_key


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(INSTANCE_PATH),
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key()
    if not app.config.get("CA_PASSPHRASE"):
        app.config["CA_PASSPHRASE"] = instance_secret("ACCORD_CA_PASSPHRASE", "ca_passphrase")

    from app.setup import init_app

    init_app(app)
    return app
