"""The state machines and legal rules of Accord: pure Python, no Flask, no SQLAlchemy."""
