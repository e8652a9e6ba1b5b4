"""Planning obligations from the planning data standard's developer contributions files."""
