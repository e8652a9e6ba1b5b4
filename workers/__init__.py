"""RQ jobs. They import models/, never create_app or blueprints: the worker
process (`flask worker`) runs each job inside the application context."""
