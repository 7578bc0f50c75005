"""Lead scores: scoring models, scores with their factors and history, follow-up lists."""
