"""The spaCy side: one Language object with the statistical NER (when available) and coopx's
rule components registered as factories."""
