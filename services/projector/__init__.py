"""The projector: folds every events topic and the replies topic into read models in PostgreSQL."""
