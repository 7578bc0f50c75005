"""Technographics: which cloud an exchange runs on, inferred from its public endpoints."""
