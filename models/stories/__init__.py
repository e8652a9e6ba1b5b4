"""Stories and case studies of delivered impact."""
