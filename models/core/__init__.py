"""The platform's own records: the audit trail (events), settings, background tasks, the job outbox and sent email."""
