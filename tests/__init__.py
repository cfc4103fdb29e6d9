"""The test suite, a package so that benchmarks can import its shared slips
(`from tests.mutants import mutant_backward`); pytest also puts tests/ itself on the path
(`pythonpath` in pyproject.toml), so tests import `conftest`, `variants`, `mutants` directly."""
