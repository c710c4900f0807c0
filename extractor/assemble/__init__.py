"""Fact assembly: pure functions from an annotated Doc to the record's institutions, people and
cooperations; `facts.build_facts` is the entry point."""
