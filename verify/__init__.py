"""verify: the numeric witnesses (hand-written NumPy, jax.grad, lambdified SymPy), their
agreement, and the run. (Mid-refactor: the lead's verify/run.py will re-export the engine here.)"""
