"""Every sentence a renderer prints, in English and Korean. Formulas are the same in both.

Two kinds of value: plain sentences (the default), which a renderer fills with `str.format`
placeholders and escapes for LaTeX itself (`reports/wording.py`), and LaTeX markup (the keys in
`LATEX`), which only the report uses, as written. Keys are named after what they word:
`verdict_<Verdict name>`, `reason_<Reason name>`, `status_<Status name>`, `method_<Method
name>`, `slip_<SlipKind name>` (lower case), so every value of those vocabularies has one.
A test checks that both languages have the same keys and the same placeholders.
"""

from __future__ import annotations

from derive.errors import choose_one

LANGUAGES = ("en", "ko")

EN: dict[str, str] = {
    # --- verdicts, reasons, proofs (the data's vocabularies) ---
    "verdict_proved": "proved",
    "verdict_refuted": "refuted",
    "verdict_shape_error": "shape error",
    "verdict_convention": "depends on convention",
    "verdict_undecided": "undecided",
    "verdict_unparsed": "unparsed",
    "reason_none": "",
    "reason_size": "beyond SymPy's budget: only the numbers speak",
    "reason_time": "SymPy did not finish within its time limit",
    "reason_witnesses_disagree": "SymPy proves it, but a numeric witness differs",
    "reason_kink_convention": "holds only up to the value of f' at a kink",
    "reason_one_point": "one point differs: not enough to refute it",
    "reason_not_compared": "no sample point had finite values",
    "reason_unavailable": "a quantity jax.grad does not compute",
    "reason_sampled": "SymPy could neither prove nor refute it; the numbers agree",
    "status_proved": "proved",
    "status_refuted": "refuted",
    "status_undecided": "undecided",
    "status_skipped": "skipped",
    "method_identical": "identical expressions",
    "method_expand_atoms": "expanded with functions held as atoms",
    "method_expand": "expanded",
    "method_expand_definitions": "expanded with the activation's definition",
    "method_cancel": "rational simplification",
    "method_random_point": "a random rational point",
    "method_sampled": "zero at every random point, which algebra could not show",
    "method_shape": "the shapes do not fit",
    "method_left_shape": "the left side's shapes do not fit",
    "method_all_zero": "SymPy's derivative is zero in every entry, which is suspicious",
    "method_size": "beyond the symbolic budget",
    "method_time": "the time limit ran out",
    "proof_line": "{scope}: {status} — {why}",
    "proof_proved": "derived − claimed = 0 in all {entries} entries ({method})",
    "proof_refuted_at": "derived − claimed ≠ 0 in entry {entry} ({method})",
    "proof_shape": "the shapes do not fit: {shape}",
    "proof_undecided": "{left} of {entries} entries not settled ({method})",
    "proof_skipped": "skipped: {budget}",
    "proof_time": "no result within {seconds} s",
    "proof_symbolic_cx": "in entry {entry} the formula gives {claimed} where SymPy's derivative is {derived}, with",
    "scope_every": "every activation {f} and loss {ell}",
    "scope_function": "every real {variable}",
    "scope_matrix": "every real {shapes}",
    "matrix_shapes": "with {shapes}",
    "scope_symmetric": "{scope}, {letter} symmetric",
    "scope_invertible": "{scope}, {letter} invertible",
    "note_symmetric": "holds only when {letter} is symmetric ({letter} = {letter}ᵀ), as the Matrix Cookbook states it; for any other {letter} it is wrong (SymPy: claim − ∂f/∂X ≠ 0), so it depends on whether the notes mean {letter} symmetric; checked at points with {letter} symmetric",
    "matrix_other_layout": "right in numerator layout: the transpose of ∂f/∂X",
    "matrix_symmetric": "right only when {letter} is symmetric",
    "note_symmetric_all": "holds when {letter} are each symmetric (then their Kronecker product is), not for every {letter}: for others it is wrong (SymPy: claim − ∂f/∂X ≠ 0), so it depends on whether the notes mean them symmetric; checked at points with {letter} symmetric",
    "matrix_symmetric_all": "right when {letter} are each symmetric, not in general",
    "scope_scalar": "every real input and parameter with ε > 0, generic ℓ (m = {m} symbolically)",
    "scope_every_f": "every activation {f}, {loss}",
    "scope_generic": "generic {f}, generic {ell}",
    "scope_generic_f": "generic {f}, {loss}",
    "scope_pair": "{activation}, {loss}",
    "scope_only": "{pair} only",
    "budget_generic": "{weights} weights × batch {batch} = {cost}, beyond the budget of {limit} for a generic slice",
    "budget_concrete": "{weights} weights × batch {batch} × {depth} layers = {cost}, beyond the budget of "
    "{limit} for the whole network with its own functions",
    # --- slips, in the notes' notation ---
    "slip_missing_mean": "missing 1/{b} (the mean over the batch of {B})",
    "slip_extra_mean": "1/{b} taken twice (1/{b}² where 1/{b} belongs, the batch of {B})",
    "slip_sign": "sign flipped",
    "slip_twice": "a factor 2 too many (twice the true value)",
    "slip_half": "a factor 2 missing (half the true value)",
    "slip_transposed": "transposed",
    "slip_w_for_wt": "{W} where {WT} belongs",
    "slip_missing_fprime": "missing {fp}",
    "slip_f_for_fprime": "{f} where {fp} belongs",
    "slip_fprime_wrong_layer": "f' of the wrong layer ({fpo} for {fp})",
    "slip_output_fprime_on_hidden": "the output activation's derivative on a hidden layer ({used}' of {z} where {own}' belongs)",
    "slip_other_activation_fprime": "another layer's activation's derivative ({used}' of {z}, layer {o}'s, where {own}' belongs)",
    "slip_outer_order": "outer product in the wrong order ({swapped} for {outer})",
    "slip_outer_as_inner": "inner product for the outer product ({inner} for {outer})",
    "slip_sum_over_neurons": "summed over the neurons, not over the examples",
    "slip_sum_over_neurons_t": "summed over the neurons, not over the examples, and transposed",
    "slip_not_summed": "not summed over the examples (the fix: sum over the examples, axis {axis})",
    "slip_other_loss": "the output error of another loss, {loss}: {error}, used with this network's loss",
    "slip_softmax_diagonal": "the softmax Jacobian's off-diagonal terms dropped (only ∂o_j/∂z_j = o_j(1 − o_j) kept; the right result is o − t when the targets sum to 1)",
    "slip_other_gradient": "the right side is {other}, not {claimed}: {why}",
    "why_z_for_a": "an extra f' (∂L/∂z = ∂L/∂a ∘ f'(z))",
    "why_a_for_z": "f' missing (∂L/∂z = ∂L/∂a ∘ f'(z))",
    "slip_missing_path": "a term missing: the path through {tensor} in {equation} (∂L/∂{wrt} has a term "
    "for each use of a tensor on the way to L; the claim leaves this one out)",
    "slip_found": "{steps}",
    "slip_or": "{first}; or: {others}",
    "slip_then": "{first}, then {second}",
    "slip_again": "{first}, and {second}",
    "step_place": "{where} where {fix} belongs",
    "slip_fix": "corrected",
    "step_extra_transpose": "transposed: {where} where {fix} belongs",
    "step_missing_transpose": "transpose missing: {where} where {fix} belongs",
    "step_order": "factors in the wrong order: {where} where {fix} belongs",
    "step_matmul_for_hadamard": "a matrix product where ∘ belongs: {where} where {fix} belongs",
    "step_hadamard_for_matmul": "∘ where a matrix product belongs: {where} where {fix} belongs",
    "step_missing_fprime": "derivative factor missing: {where} where {fix} belongs",
    "step_extra_fprime": "a derivative factor too many: {where} where {fix} belongs",
    "step_f_for_fprime": "the function for its derivative: {where} where {fix} belongs",
    "step_fprime_for_f": "the derivative for the function: {where} where {fix} belongs",
    "step_other_activation": "another activation's derivative: {where} where {fix} belongs",
    "step_layer": "the wrong layer: {where} where {fix} belongs",
    "step_z_for_a": "z where a belongs: {where} where {fix} belongs",
    "step_a_for_z": "a where z belongs: {where} where {fix} belongs",
    "step_grad_a_for_z": "f' missing inside the backpropagated term: {where} where {fix} belongs",
    "step_grad_z_for_a": "an extra f' inside the backpropagated term: {where} where {fix} belongs",
    "step_sign": "sign flipped: {where} where {fix} belongs",
    "step_grad_for_value": "the gradient where the quantity belongs: {where} where {fix} belongs",
    "step_value_for_grad": "the quantity where its gradient belongs: {where} where {fix} belongs",
    "step_missing_term": "a term missing: {where} where {fix} belongs",
    "step_missing_mean": "the mean's 1/{b} missing: {where} where {fix} belongs",
    "step_extra_mean": "a 1/{b} where no mean belongs: {where} where {fix} belongs",
    "step_missing_factor": "a factor missing: {where} where {fix} belongs",
    "step_extra_factor": "a factor too many: {where} where {fix} belongs",
    "step_extra_term": "a term too many: {where} where {fix} belongs",
    "step_not_summed": "not summed over the examples: {where} where {fix} belongs",
    "step_missing_penalty": "the regularization term missing: {where} where {fix} belongs ({penalty}, "
    "the L2 penalty's gradient)",
    "step_extra_penalty": "a regularization term where none belongs: {where} where {fix} belongs (the L2 "
    "penalty is on the weights only, not the biases)",
    "step_penalty_missing_mean": "the regularization term's 1/{b} missing: {where} where {fix} belongs "
    "({penalty})",
    "step_extra_sum": "summed where no sum belongs: {where} where {fix} belongs",
    "step_sum_axis": "summed over the other axis: {where} where {fix} belongs",
    "step_missing_flip": "the kernel not flipped: {where} where {fix} belongs",
    "step_extra_flip": "a kernel flipped where none belongs: {where} where {fix} belongs",
    "step_max_axis": "the maximum over the other axis: {where} where {fix} belongs",
    "step_mean_axis": "the mean over the other axis: {where} where {fix} belongs",
    "step_missing_constant": "a constant factor of the model missing: {where} where {fix} belongs",
    "step_wrong_constant": "the wrong constant: {where} where {fix} belongs",
    "step_shifted": "the neighbouring step or layer: {where} where {fix} belongs",
    "step_wrong_tensor": "another tensor of the same shape: {where} where {fix} belongs",
    "note_regrouped": "read as {formula}: juxtaposition binds tighter than ⊙, but only this grouping's "
    "shapes fit",
    "note_conclusion": "the conclusion of a chain whose middle steps could not be read, checked on its own",
    "note_vanishing_terms": "it differs from the true gradient by terms that sum to zero once the forward "
    "equations are substituted (Σ(x_i − μ_B) = 0): the same value, a different expression",
    "note_kink_one": "its indicator 1(z ≥ 0) is ReLU's derivative off the kink; at z = 0 it takes 1, where jax.grad and the registry take 0 (both are subgradients); it is checked as ReLU's derivative, off the kink",
    "note_other_layout": "right in numerator layout (∂f/∂X with Xᵀ's shape): the transpose of the "
    "gradient in the Cookbook's denominator layout (∂f/∂X with X's shape)",
    "note_square_only": "its right side fits only square matrices, so every letter is checked square "
    "(3×3, or a column of 3)",
    "model_not_stated": "the model is not stated: no forward equation of the notes computes {missing}; "
    "add {add}",
    # --- a claims file's reading (derive/course.py) and the readings of a convention verdict ---
    "file_rows_stated": 'rows are examples (layout = "rows"): activations are B × n, W_l is n_l × n_(l+1), '
    "b_l is 1 × n_(l+1); claims and their shapes are stated that way",
    "file_rows_forward": "read with rows as examples: the forward equations put the weight on the right "
    "(X W + b), so every matrix is the transpose of ours (X_rows = X_colsᵀ) and each claim is checked "
    "as written in rows",
    "symbols_line": "letters read from the forward equations: {letters}",
    "symbol_a": "{letter} the activation a",
    "symbol_z": "{letter} the pre-activation z",
    "symbol_output": "{letter} the network's output a_L (t the target)",
    "symbol_f": "{letter}(·) the layer's activation f",
    "symbol_layer": "{role} of layer L{offset}",
    "file_rows_shapes": 'read with rows as examples: the shapes fit only that way (say layout = "rows" '
    "in [network])",
    "file_input_zero": "read with the course's layer numbers: X is layer 0, W_l and b_l feed layer l "
    "(our layer = the course's + 1); dZ_l and dA_l are per example, dW_l and db_l the gradients "
    "of the cost",
    "reading_per_example": "the course's per-example d{name} = {b} ∂J/∂{name}",
    "reading_mean_gradient": "∂J/∂{name}, the gradient of the mean cost",
    "readings_line": "holds as {holds}; as {fails} it is wrong: {slip}",
    "probably": "probably: {slip}",
    # --- evidence ---
    "agreement_agree": "the witnesses agree at all {compared} points (worst {ratio} of the tolerance)",
    "agreement_differ": "{bad} of {compared} points differ beyond the tolerance; worst at point {point}, "
    "entry {entry}: {values}; off: {blamed}",
    "agreement_differ_short": "{bad} of {compared} points differ beyond the tolerance",
    "agreement_none": "no sample point could be compared",
    "witness_failed": "{witness} gave no values: {why}",
    "witness_skipped": "witness {witness}: not run, {why}",
    "unparsed_at": "could not read it: {message}",
    "shape_problem": "the shapes do not fit: {problem}",
    "shape_matmul": "matrix product of {a} and {b}",
    "shape_broadcast": "'{op}' (broadcast) of {a} and {b}",
    "shape_elementwise": "'{op}' of {a} and {b}",
    "shape_against": "{a} against {b}",
    "shape_dimension": "a dimension of size {a} against one of size {b}",
    "shape_loss": "loss of {a}",
    "shape_in": "{problem} in {node}",
    "activation_then": "{first} then {then}",
    "describe_batch": "{text}, batch {B} ({reduction})",
    "describe_no_biases": "{text}, no biases",
    "describe_l2": "{text}, L2 penalty λ = {lam}",
    "reduction_mean": "mean",
    "reduction_sum": "sum",
    "stand_in_mse": "the generic loss has no values: the numeric witnesses use mse in its place "
    "(squared error with the factor 1/2, taken on the output activation f(z) of the last layer "
    "(the same f as the hidden layers))",
    "kink_point_note": "at the {points} kink points the witnesses differ by at most {err}, as their "
    "conventions allow",
    "cx_title": "counterexample at sample point {point} (seed {seed})",
    "cx_entries": "entries {entries}",
    "cx_claimed": "claimed (right side)",
    "cx_true": "true (left side)",
    "cx_line_claimed": "claimed: {sympy} (SymPy), {jax} (NumPy, as written)",
    "cx_line_true": "true:    {sympy} (SymPy), {jax} (JAX)",
    # --- the run ---
    "forward_agree": "the forward passes agree (largest difference {err})",
    "forward_blamed": "{quantity}: {blamed} disagrees with {others} (largest difference {err})",
    "forward_disagree": "the forward passes disagree (largest difference {err})",
    "forward_label": "forward passes: {text}",
    "impl_agree": "{name}: agrees with jax.grad on every gradient at every point (largest difference {err})",
    "impl_fail": "{name}: does not agree with jax.grad",
    "impl_var_agree": "{var}: agrees at all {points} points (largest difference {err})",
    "impl_var_differs": "{var}: differs from jax.grad at {bad} of {points} points; worst at point {point}, "
    "entry {entry}: {values}; off: {blamed}",
    "impl_var_failed": "{var}: gave no values ({why})",
    "impl_label": "implementation under test: {text}",
    "kinks_text": "{points} points have an input exactly on the kink of {activation}; there each witness "
    "follows its convention ({conventions})",
    "kinks_agree": "they agree even there",
    "kinks_convention": "they agree up to convention (largest difference {err}; not a failure)",
    "reference_line": "reference: SymPy's derivative in {library} at {digits} digits on {subset}; largest "
    "error in ULPs ({dtype}): {ulps}",
    "reference_skipped": "reference ({digits} digits): not computed, {why}",
    "subset_all": "all {points} sample points",
    "subset_first": "the first {points} of {total} sample points",
    "tolerance_used": "largest difference between two agreeing witnesses: {used} of the tolerance",
    "tolerance_policy": "|x − y| ≤ 2·{K}·eps·n·max(1, Σ|terms|) per point and entry (n = terms summed: "
    "{n}), eps = {eps} ({dtype})",
    "terms_network": "{b} + widths of the later layers",
    "terms_matrix": "the entries of the claim's letters, at least 4",
    "terms_scalar": "4m, m examples",
    "terms_model": "the entries of the given tensors",
    "model_title": "a model of its own: {objective} of {given}",
    "model_line": "model: {given}; forward: {equations}; gradients in denominator layout (∂L/∂X has "
    "X's shape), derived entry by entry",
    "model_from_notes": "model: read from the notes' forward equations ({where}); shapes are not written "
    "there, so they are chosen: each set of dimensions the equations tie together its own size, "
    "non-square where they allow, the loss 1×1 (a lowercase letter a column, a capital a matrix)",
    "model_examples": "m = {m} examples: the dimension of the data that no parameter has",
    "model_from_file": "model: the model file {file}; the document's claims are about its tensors, "
    "and the document's own forward equations, if any, are not read",
    "notes_line": "line {lines}",
    "notes_lines": "lines {lines}",
    "model_role_input": "inputs {tensors}",
    "model_role_target": "targets {tensors}",
    "model_role_parameter": "parameters {tensors}",
    "model_drawn": "drawn: {drawn}",
    "draw_normal": "{names} standard normal",
    "draw_positive": "{names} positive, exp(N(0, 1)/2)",
    "draw_one_hot": "{names} one-hot (a class per column)",
    "draw_conditioned": "{names} near the identity, I + 0.5 N/n (under det, ln|det| or an inverse)",
    "scope_model": "every real point{condition}",
    "scope_no_ties": "no ties in a maximum",
    "model_ties": "{functions}: the gradient goes to the argmax; the sample points are drawn continuously, "
    "so a tie has probability 0 (where the forward pass itself makes no equal entries); at a tie jax.grad splits it evenly among the tied entries, SymPy gives it to "
    "the first (row-major in a window), and a claim's (x == max(…)) gives each tied entry all of it",
    "model_kinks": "{functions}: a kink at 0, never hit by the sample points; a claim's x > 0 (relu'(x)) "
    "is 0 there, as jax.grad takes it",
    "scalar_title": "the notes' own equations in {inputs} (parameters {parameters}), m = {m} examples",
    "matrix_title": "matrix identities, each about its own objective f (denominator layout: ∂f/∂X has X's "
    "shape)",
    "matrix_model": "model: each claim's objective f alone, its letters real matrices (capitals) and columns "
    "(lowercase) of the sizes shown per claim, non-square where the objective allows; gradients in "
    "denominator layout, ∂f/∂X with X's shape, as the Matrix Cookbook prints them; a letter under det, "
    "ln|det| or an inverse is sampled near I",
    "scalar_model": "model: the notes' forward equations ({quantities}) of the inputs {inputs} and the "
    "parameters {parameters}, with a generic ℓ of the last; m = {m} examples (symbolically and numerically)",
    "run_network": "network: sizes {sizes} (W_1 is {rows}×{cols}), activation {activation}, loss {loss}",
    "run_points": "points: {points} (seed {seed}), {dtype}; tolerance: {policy}",
    "run_source": "claims: {count} from {source}",
    "batch_convention_mean": "mini-batch of {b} = {B} examples as columns; the loss is the mean of the "
    "per-example losses, so every gradient carries 1/{b}",
    "batch_convention_sum": "mini-batch of {b} = {B} examples as columns; the loss is the sum of the "
    "per-example losses (no 1/{b})",
    "batch_rows_mean": "mini-batch of {b} = {B} examples as rows; the loss is the mean of the "
    "per-example losses, so every gradient carries 1/{b}",
    "batch_rows_sum": "mini-batch of {b} = {B} examples as rows; the loss is the sum of the "
    "per-example losses (no 1/{b})",
    "stand_in": "the generic loss has no values: the numeric witnesses use {loss} in its place",
    "no_output_identity": "no built-in identity for the output layer's ∂L/∂z_{L}: under the generic ℓ, "
    "δ_{L} is ∂ℓ/∂z_{L} by definition",
    "run_penalty": "L2 penalty (weight decay): the loss adds {penalty} (biases not penalized), so "
    "∂L/∂W_l gains + {gradient}",
    "penalty_notes": "L2 penalty: line {line} of the document adds it to the loss",
    "penalty_chosen": "λ not given: the document leaves it a symbol, so λ = {lam} is checked (set it with --l2)",
    "generic_layered": "generic proofs: each layer's claims on layers l, l+1 with an undefined ℓ(z_(l+1)) "
    "standing for the loss and all later layers",
    "skipped_concrete": "proofs with the network's own activation and loss: skipped, {why}; the generic "
    "proofs and the numbers still stand",
    "fwd_consistent": "consistent",
    "fwd_inconsistent": "inconsistent",
    "fwd_not_read": "not read",
    "fwd_summary": "forward equations in the document: {summary}",
    "fwd_line": "line {line}: {written} — {status}: {problem}",
    "fwd_without_bias": "line {line}: {written} — consistent with no biases (b = 0 in the network)",
    "reading_single": "notation: the document numbers no layer, so it is read as one layer: x → z = Wx + b "
    "→ a = f(z) (W, b are W_1, b_1; z, a the output's)",
    "reading_in": "W^(l) feeds layer l",
    "reading_out": "W^(l) feeds layer l+1",
    "reading_first": "the input is layer {first}",
    "reading_line": "notation: {reading} ({basis})",
    "basis_forward_equations": "as the document's forward equations state",
    "basis_layers_exist": "the only reading in which every layer the document names exists",
    "basis_default": "the default",
    "reading_open": "the document leaves open how it numbers layers; also read as: {others}",
    "sizes_default": "sizes not given: a small default, widths all different (set them with --sizes)",
    "batch_from_notes": "batch not given: the document writes a mini-batch (Δ_l, A_l, 1, 1/B), so B = {B} "
    "examples are checked (set it with --batch, --reduction)",
    "sizes_declared": "sizes as the document declares them (such as W ∈ ℝ^{{3×4}}); a small default for the others",
    "size_conflict": "line {line}: {written} declares layer {layer} {declared} wide, but the sizes given "
    "make it {given}: the claims are checked with the sizes given",
    "activations_named": "activations per layer, as the document's forward equations name them: {named}",
    "activation_unnamed": "layer {layer}: its activation is not named there; {activation} is used (set every layer with --activation)",
    "reading_index_from": "w_jk from neuron j to neuron k (the second index is the receiving neuron's, "
    "in the layer above)",
    "reading_index_to": "w_jk into neuron j from neuron k (the first index is the receiving neuron's, in the "
    "layer above: Bishop's w_ji, Nielsen's w^l_jk)",
    "index_line": "index notation: {reading}; every claim with free indices is checked for every entry",
    "loss_notes_sse": "loss: sse, the squared error without ½ that line {line} of the document defines "
    "(E = Σ(t − o)²)",
    "loss_notes_mse": "loss: mse, the squared error with ½ that line {line} of the document defines",
    "loss_notes_bce": "loss: bce, the binary cross-entropy that line {line} of the document defines",
    "loss_notes_softmax-ce": "loss: softmax-ce, the cross-entropy of a softmax output that line {line} of "
    "the document defines",
    "in_reading": "{verdict} if {reading}",
    "definitions": "definitions, not claims: {names}",
    "not_claims": "not claims: {count} equations mention ∂, ∇ or δ but do not start with ∂L/∂X, "
    "∇_X L or δ_l (lines {lines})",
    "count_verdict": "{count} {verdict}",
    "claims_count": "claims: {counts}",
    "first_wrong": "first wrong step: line {line}, {formula}",
    "scope_condition": "{scope}, when each example's targets sum to 1",
    "condition_fails": "holds only when each example's targets sum to 1 (one-hot or a distribution, as the loss assumes); with targets that do not, entry {entry} differs: claimed {claimed}, derivative {derived} at {at}",
    "result_passed": "PASSED: every claim is proved and every witness agrees",
    "result_passed_budget": "PASSED: every claim is proved where SymPy's budget allows, and every "
    "witness that ran agrees",
    "result_failed": "FAILED: see the claims above",
    "result_failed_data": 'FAILED: see the verdict of each entry of "claims"',
    "result_label": "result: {verdict}",
    "wrote": "wrote: {paths}",
    "where_line": "line {line}",
    "where_layer": "l = {layer}",
    "col_where": "claim",
    "col_formula": "formula",
    "col_verdict": "verdict",
    "col_scope": "scope / diagnosis",
    "col_err": "max |Δ|",
    "yes": "yes",
    "no": "NO",
    # --- figures ---
    # a label is words or mathtext ($…$, set in cm), never both where a word could be Hangul:
    # mathtext has no font fallback, so Hangul beside math would be missing glyphs; the captions
    # say in words what the math means, and the points, seed and reference the figures drew
    "fig_ylabel": r"$\max\,|x - y|$",
    "fig_tolerance": r"$|x - y| = 2K\varepsilon\, n s$",
    "fig_zero": "exactly 0",
    "fig_pair": "{a} vs. {b}",
    "fig_ulp_xlabel": r"$|x - x_{{\mathrm{{ref}}}}|\,/\,\mathrm{{ulp}}(x_{{\mathrm{{ref}}}})$",
    "fig_ulp_ylabel": "count",
    "fig_ulp_legend": r"{witness} ($\max = {max}$)",
    # --- the report (LaTeX markup: see LATEX) ---
    "title": "Backpropagation, checked three ways",
    "subtitle_builtin": "The COUNT gradient identities of the lecture notes for this network, checked by "
    "SymPy, by hand-written NumPy and by \\texttt{jax.grad}",
    "subtitle_claims": "The gradient claims of \\texttt{SOURCE}, checked by SymPy, NumPy and \\texttt{jax.grad}",
    "how_proved": "{count} of {total} proved: SymPy derives the gradient from the forward pass and finds "
    "derived − claimed = 0 exactly, for the scope in the table, and the witnesses agree at every sample point.",
    "how_not_proved": "Not proved: {counts}; the claim's section gives the counterexample or the reason.",
    "how_numbers": "Compared by the numbers: {witnesses} at {points} sample points in {dtype}, the forward "
    "passes first, within the tolerance of the error budget.",
    "how_numbers_none": "No claim was compared by the numbers.",
    "verdict_count": "{count} {verdict}",
    "agreement": "Agreement at every sample point",
    "spread_here": "spread here",
    "facts": "Run",
    "date": "Date",
    "network": "Network",
    "model": "Model",
    "activation": "Activation",
    "loss": "Loss",
    "convention": "Convention",
    "seed": "Random seed",
    "points": "Sample points",
    "dtype": "Floating point",
    "tolerance": "Tolerance",
    "versions": "Versions",
    "source": "Claims",
    "the_network": "The network",
    "network_caption": "The layer boundary the identities are about: layer $l$ feeds layer $l+1$ "
    "through $z_{l+1} = W_l a_l + b_l$; every neuron applies $a = f(z)$.",
    "notation": "Notation",
    "symbol": "Symbol",
    "meaning": "Meaning",
    "shape": "Shape",
    "m_a": "activations of layer $l$, $a_l = f(z_l)$",
    "m_z": "pre-activations, $z_{l+1} = W_l a_l + b_l$",
    "m_W": "weights from layer $l$ to $l+1$ (rows: the next layer)",
    "m_b": "bias of layer $l+1$",
    "m_delta": r"$\delta_l = \partial L / \partial z_l$",
    "m_circ": "elementwise (Hadamard) product",
    "m_Delta": r"the per-example $\delta_l = \partial \ell_e / \partial z_l$ as columns",
    "m_ones": "a column of ones (sums over the examples)",
    "grad_shape": "A gradient has the shape of its variable: "
    r"$\left[\partial L/\partial W\right]_{ij} = \partial L/\partial w_{ij}$.",
    "forward": "The forward pass",
    "method": "How the claims are checked",
    "method_text": (
        "Three witnesses that share no derivative code. "
        r"\textbf{SymPy} writes the forward pass with one symbol per entry "
        r"($w_{ij}$, $a_{1j}$, $z_{1j}$, $b_{1i}$), differentiates the loss with respect to every "
        r"entry, and shows that \emph{derived $-$ claimed} is exactly zero: once with an undefined "
        r"activation $f$ and an undefined loss $\ell(z_L)$, which proves a claim for every "
        r"activation and loss at once, and once for the concrete pair of this run. "
        r"\textbf{NumPy} computes the claim's right side as a person codes it by hand. "
        r"\textbf{JAX} differentiates a forward pass written in \texttt{jax.numpy} with "
        r"\texttt{jax.grad} and never sees a claim: it is the oracle. "
        "The forward passes are compared first; then every entry of every gradient at every "
        "sample point, under the tolerance stated above."
    ),
    "method_text_model": (
        "Three witnesses that share no derivative code. "
        r"\textbf{SymPy} runs the model's forward equations with one symbol per entry of every given "
        r"tensor, differentiates the objective with respect to every entry, and shows that "
        r"\emph{derived $-$ claimed} is exactly zero. "
        r"\textbf{NumPy} computes the claim's right side as a person codes it, over the model's own "
        r"forward pass. \textbf{JAX} differentiates the forward equations written in \texttt{jax.numpy} "
        r"with \texttt{jax.grad} and never sees a claim: it is the oracle. "
        "The objective and every intermediate are compared first; then every entry of every "
        "gradient at every sample point, under the tolerance stated above."
    ),
    "method_text_matrix": (
        "Three witnesses that share no derivative code. "
        r"\textbf{SymPy} writes each identity's objective with one symbol per entry of its letters, "
        r"differentiates it with respect to every entry, and shows that \emph{derived $-$ claimed} "
        r"is exactly zero. \textbf{NumPy} computes the right side as written. \textbf{JAX} "
        r"differentiates the objective with \texttt{jax.grad} and never sees a claim. "
        "The objectives are compared first; then every entry at every sample point."
    ),
    "method_text_scalar": (
        "Three witnesses that share no derivative code. "
        r"\textbf{SymPy} runs the notes' own scalar equations over a batch of symbols with an "
        r"undefined upstream $\ell$ and shows that \emph{derived $-$ claimed} is exactly zero. "
        r"\textbf{NumPy} computes the claim as written; \textbf{JAX} differentiates the equations "
        r"with \texttt{jax.grad} (tapping every quantity) and never sees a claim."
    ),
    "slices": "Layer by layer",
    "slices_text": r"For a network of more than two layers, the generic proof of layer $l$'s identities "
    r"differentiates layers $l$ and $l+1$ with an undefined $\ell(z_{l+1})$: whatever the later layers and "
    r"the loss are, $L$ is some function of $z_{l+1}$, so this proof covers them all. The proof with the "
    r"network's own activation and loss takes the whole network.",
    "dimension_free": "For every size at once",
    "dimension_free_text": r"With symbolic sizes $n \to m$, index notation, a generic $f$ and a loss that "
    r"is a sum over the outputs, $L = \sum_{i=1}^{m} \ell(z_{2,i})$, SymPy differentiates by one entry "
    r"and resolves the Kronecker sums itself (it is told $1 \le p \le m$, $1 \le q \le n$). "
    r"Here $\delta_{2,p} = \ell'(z_{2,p})$:",
    "dimension_free_limit": r"Not covered by this form: a loss that does not split into a sum over the "
    r"outputs, such as softmax cross-entropy, or the later layers of a deep network seen from an earlier "
    r"one. For those, the exact-size proofs in the sections below, with a general $\ell(z_2)$, are the "
    r"evidence.",
    "statement": "Statement",
    "entrywise": "Entry by entry",
    "derivation": "SymPy's derivative, entry by entry",
    "assembled": "The formula, assembled",
    "matrix_too_big": "The matrix has {rows}×{cols} entries; it is checked entry by entry but not printed.",
    "symbolic": "Symbolic verdict",
    "numeric": "Numeric check",
    "numeric_text": "Values of the three witnesses at sample point 0, and their spread there (largest "
    "minus smallest); the evidence above is over all {points} points.",
    "entry": "Entry",
    "max_diff": "max $|\\Delta|$",
    "evidence": "Evidence",
    "written_as": "As written",
    "summary": "Summary",
    "implementation": "The implementation under test",
    "implementation_text": "The hand-written backward pass is not a witness of the claims: it is "
    r"code under test, compared variable by variable with \texttt{jax.grad} at every sample point.",
    "forward_equations": "Forward equations of the document",
    "precision": "Precision against a high-precision reference",
    "precision_text": "SymPy's own derivative of the forward pass (not the claim) is evaluated with {library} "
    "at {digits} significant digits or more on {subset}. Each witness's error against it is given as the "
    "largest absolute error, relative error and error in ULPs of {dtype} at the true value, over every entry "
    "and point. An entry that is small through cancellation shows many ULPs for an error that is tiny "
    "against the gradient; the tolerance is budgeted on the gradient's scale instead.",
    "budget": "Tolerance, from an error budget",
    "budget_text": "One witness's rounding error in an entry is at most $K \\varepsilon n s$: $\\varepsilon$ "
    "the machine epsilon of {dtype}, $n$ the number of terms the backward pass sums on the way to the entry "
    "($B$ plus the widths of the later layers), $s = \\max(1, \\max_{{\\mathrm{{entries}}}} |y|)$ the scale "
    "of the values at the point, and $K = {K}$ the rounding errors one term carries. Two witnesses are "
    "compared with twice that. Over this run the largest difference between two witnesses used {used} of "
    "the tolerance.",
    "tolerance_latex": r"|x - y| \le 2 \cdot {K}\,\varepsilon\, n \max\!\left(1, \max_{{\mathrm{{entries}}}} "
    r"|y|\right),\ n = B + \textstyle\sum_{{k > l}} n_k,\ \varepsilon = {eps}",
    "tolerance_latex_entries": r"|x - y| \le 2 \cdot {K}\,\varepsilon\, n \max\!\left(1, \max_{{\mathrm{{entries}}}} "
    r"|y|\right),\ n = \#\mathrm{{entries\ given}},\ \varepsilon = {eps}",
    "ulp_caption": "Errors of each witness against the high-precision reference ({library} at {digits} "
    "digits) on {subset}, in ULPs of {dtype}: $|x - x_{{\\mathrm{{ref}}}}| / "
    "\\mathrm{{ulp}}(x_{{\\mathrm{{ref}}}})$ for a witness's value $x$ and the reference value "
    "$x_{{\\mathrm{{ref}}}}$, counted over all claims, entries and points (log scale; errors of exactly 0 "
    "are counted at {floor}).",
    "col_abs": "max abs. error",
    "col_rel": "max rel. error",
    "col_ulp": "max ULP",
    "figure_caption": "Agreement over {subset} (seed {seed}): for each claim, the largest difference "
    "$|x - y|$ over the entries between the values $x$ and $y$ of two witnesses at each point (log "
    "scale). The bar is the tolerance $2K\\varepsilon n s$ of the error budget below, at its smallest "
    "over the points; differences of exactly 0 are drawn at the bottom.",
    "figure_name": "Figure",
    "sample_point": "Sample point 0",
    "verdict_all": "Every claim is proved and all three witnesses agree at every sample point.",
    "verdict_all_budget": "Every claim is proved where SymPy's budget allows, and every witness that ran "
    "agrees at every sample point.",
    "verdict_fail": "A CHECK FAILED: a claim is not proved, or the witnesses or the implementation disagree.",
}

KO: dict[str, str] = {
    "verdict_proved": "증명됨",
    "verdict_refuted": "반증됨",
    "verdict_shape_error": "크기 오류",
    "verdict_convention": "규약에 따라 다름",
    "verdict_undecided": "미결정",
    "verdict_unparsed": "해석 불가",
    "reason_none": "",
    "reason_size": "SymPy 예산 초과: 수치 비교만이 근거이다",
    "reason_time": "SymPy가 제한 시간 안에 끝내지 못했다",
    "reason_witnesses_disagree": "SymPy는 증명하지만 수치 검증자 하나가 다르다",
    "reason_kink_convention": "꺾인 점에서 f'의 값을 정하는 규약에 따라서만 성립한다",
    "reason_one_point": "한 점만 다르다: 반증하기에는 부족하다",
    "reason_not_compared": "유한한 값을 가진 표본 점이 없다",
    "reason_unavailable": "jax.grad가 계산하지 않는 양이다",
    "reason_sampled": "SymPy가 증명도 반증도 하지 못했고, 수치는 일치한다",
    "status_proved": "증명됨",
    "status_refuted": "반증됨",
    "status_undecided": "미결정",
    "status_skipped": "생략",
    "method_identical": "동일한 식",
    "method_expand_atoms": "함수를 원자로 두고 전개",
    "method_expand": "전개",
    "method_expand_definitions": "활성화 함수의 정의를 대입해 전개",
    "method_cancel": "유리식 약분",
    "method_random_point": "무작위 유리수 점",
    "method_sampled": "모든 무작위 점에서 0이지만 대수적으로 보이지 못함",
    "method_shape": "크기가 맞지 않음",
    "method_left_shape": "좌변의 크기가 맞지 않음",
    "method_all_zero": "SymPy의 미분이 모든 성분에서 0이다 (의심스러움)",
    "method_size": "기호 계산 예산 초과",
    "method_time": "시간 제한 초과",
    "proof_line": "{scope}: {status} — {why}",
    "proof_proved": "모든 {entries}개 성분에서 (미분 결과) − (주장) = 0 ({method})",
    "proof_refuted_at": "성분 {entry}에서 (미분 결과) − (주장) ≠ 0 ({method})",
    "proof_shape": "크기가 맞지 않는다: {shape}",
    "proof_undecided": "{entries}개 성분 중 {left}개를 결정하지 못함 ({method})",
    "proof_skipped": "생략: {budget}",
    "proof_time": "{seconds}초 안에 결과 없음",
    "proof_symbolic_cx": "성분 {entry}에서 공식은 {claimed}, SymPy의 미분은 {derived}; 이때",
    "scope_every": "모든 활성화 함수 {f}와 손실 함수 {ell}",
    "scope_function": "모든 실수 {variable}",
    "scope_matrix": "모든 실수 {shapes}",
    "matrix_shapes": "{shapes}에서",
    "scope_symmetric": "{scope}, {letter}는 대칭",
    "scope_invertible": "{scope}, {letter}는 가역",
    "note_symmetric": "{letter}가 대칭({letter} = {letter}ᵀ)일 때만 성립 (Matrix Cookbook의 조건); 대칭이 아닌 {letter}에서는 틀림 (SymPy: 주장 − ∂f/∂X ≠ 0), 따라서 노트가 {letter}를 대칭으로 보는지에 달려 있다; {letter}를 대칭으로 뽑은 점에서 검사",
    "matrix_other_layout": "분자 배치에서 맞다: ∂f/∂X의 전치",
    "matrix_symmetric": "{letter}가 대칭일 때만 맞다",
    "note_symmetric_all": "{letter}가 각각 대칭일 때 성립 (그러면 이들의 크로네커 곱도 대칭); 모든 {letter}에서 성립하지는 않음 (SymPy: 주장 − ∂f/∂X ≠ 0), 따라서 노트가 이들을 대칭으로 보는지에 달려 있다; {letter}를 대칭으로 뽑은 점에서 검사",
    "matrix_symmetric_all": "{letter}가 각각 대칭일 때 맞고, 일반적으로는 틀림",
    "scope_scalar": "ε > 0인 모든 실수 입력과 매개변수, 일반 ℓ (기호 계산은 m = {m})",
    "scope_every_f": "모든 활성화 함수 {f}, {loss}",
    "scope_generic": "일반 {f}, 일반 {ell}",
    "scope_generic_f": "일반 {f}, {loss}",
    "scope_pair": "{activation}, {loss}",
    "scope_only": "{pair}에 대해서만",
    "budget_generic": "가중치 {weights}개 × 배치 {batch} = {cost}, 일반 함수 조각의 예산 {limit} 초과",
    "budget_concrete": "가중치 {weights}개 × 배치 {batch} × 층 {depth}개 = {cost}, 네트워크 전체를 자체 "
    "함수로 미분하는 예산 {limit} 초과",
    "slip_missing_mean": "1/{b} 누락 (배치 {B}개에 대한 평균)",
    "slip_extra_mean": "1/{b}를 두 번 곱함 (1/{b} 자리에 1/{b}², 배치 {B}개)",
    "slip_sign": "부호가 반대",
    "slip_twice": "인수 2가 더 붙음 (참값의 2배)",
    "slip_half": "인수 2가 빠짐 (참값의 절반)",
    "slip_transposed": "전치됨",
    "slip_w_for_wt": "{WT} 자리에 {W}",
    "slip_missing_fprime": "{fp} 누락",
    "slip_f_for_fprime": "{fp} 자리에 {f}",
    "slip_fprime_wrong_layer": "다른 층의 f' ({fp} 자리에 {fpo})",
    "slip_output_fprime_on_hidden": "은닉층에 출력층 활성화 함수의 도함수를 씀 ({own}' 자리에 {z}의 {used}')",
    "slip_other_activation_fprime": "다른 층의 활성화 함수의 도함수를 씀 ({own}' 자리에 {z}의 {used}', 층 {o}의 것)",
    "slip_outer_order": "외적의 순서가 반대 ({outer} 자리에 {swapped})",
    "slip_outer_as_inner": "외적 대신 내적 ({outer} 자리에 {inner})",
    "slip_sum_over_neurons": "예제가 아닌 뉴런에 대해 합함",
    "slip_sum_over_neurons_t": "예제가 아닌 뉴런에 대해 합하고 전치함",
    "slip_not_summed": "예제에 대해 합하지 않음 (고치려면: 예제에 대해, 축 {axis}로 합한다)",
    "slip_other_loss": "다른 손실({loss})의 출력 오차 {error}를 이 네트워크의 손실에 사용함",
    "slip_softmax_diagonal": "소프트맥스 야코비안의 비대각 항을 빠뜨림 (∂o_j/∂z_j = o_j(1 − o_j)만 남김; 목표값의 합이 1이면 올바른 결과는 o − t)",
    "slip_other_gradient": "오른쪽은 {claimed}가 아니라 {other}: {why}",
    "why_z_for_a": "불필요한 f' (∂L/∂z = ∂L/∂a ∘ f'(z))",
    "why_a_for_z": "f' 누락 (∂L/∂z = ∂L/∂a ∘ f'(z))",
    "slip_missing_path": "항 누락: {equation}에서 {tensor}를 거치는 경로 (∂L/∂{wrt}에는 L까지 가는 길에서 "
    "텐서가 쓰이는 곳마다 항이 하나씩 있는데, 이 주장에는 그 항이 빠져 있다)",
    "slip_found": "{steps}",
    "slip_or": "{first}; 또는: {others}",
    "slip_then": "{first}, 그리고 {second}",
    "slip_again": "{first}, 또한 {second}",
    "step_place": "{fix} 자리에 {where}",
    "slip_fix": "고친 식",
    "step_extra_transpose": "전치됨: {fix} 자리에 {where}",
    "step_missing_transpose": "전치 누락: {fix} 자리에 {where}",
    "step_order": "곱의 순서가 반대: {fix} 자리에 {where}",
    "step_matmul_for_hadamard": "∘ 자리에 행렬곱: {fix} 자리에 {where}",
    "step_hadamard_for_matmul": "행렬곱 자리에 ∘: {fix} 자리에 {where}",
    "step_missing_fprime": "도함수 인자 누락: {fix} 자리에 {where}",
    "step_extra_fprime": "불필요한 도함수 인자: {fix} 자리에 {where}",
    "step_f_for_fprime": "도함수 대신 함수: {fix} 자리에 {where}",
    "step_fprime_for_f": "함수 대신 도함수: {fix} 자리에 {where}",
    "step_other_activation": "다른 활성화 함수의 도함수: {fix} 자리에 {where}",
    "step_layer": "다른 층: {fix} 자리에 {where}",
    "step_z_for_a": "a 자리에 z: {fix} 자리에 {where}",
    "step_a_for_z": "z 자리에 a: {fix} 자리에 {where}",
    "step_grad_a_for_z": "역전파 항 안의 f' 누락: {fix} 자리에 {where}",
    "step_grad_z_for_a": "역전파 항 안의 불필요한 f': {fix} 자리에 {where}",
    "step_sign": "부호가 반대: {fix} 자리에 {where}",
    "step_grad_for_value": "값 자리에 그 기울기: {fix} 자리에 {where}",
    "step_value_for_grad": "기울기 자리에 그 값: {fix} 자리에 {where}",
    "step_missing_term": "항 누락: {fix} 자리에 {where}",
    "step_missing_mean": "평균의 1/{b} 누락: {fix} 자리에 {where}",
    "step_extra_mean": "불필요한 1/{b}: {fix} 자리에 {where}",
    "step_missing_factor": "인자 누락: {fix} 자리에 {where}",
    "step_extra_factor": "불필요한 인자: {fix} 자리에 {where}",
    "step_extra_term": "불필요한 항: {fix} 자리에 {where}",
    "step_not_summed": "예제에 대해 합하지 않음: {fix} 자리에 {where}",
    "step_missing_penalty": "정규화 항 누락: {fix} 자리에 {where} ({penalty}, L2 페널티의 기울기)",
    "step_extra_penalty": "불필요한 정규화 항: {fix} 자리에 {where} (L2 페널티는 편향이 아닌 가중치에만 "
    "걸린다)",
    "step_penalty_missing_mean": "정규화 항의 1/{b} 누락: {fix} 자리에 {where} ({penalty})",
    "step_extra_sum": "합하지 않아야 할 곳에서 합함: {fix} 자리에 {where}",
    "step_sum_axis": "다른 축으로 합함: {fix} 자리에 {where}",
    "step_missing_flip": "커널을 뒤집지 않음: {fix} 자리에 {where}",
    "step_extra_flip": "뒤집지 않아야 할 커널을 뒤집음: {fix} 자리에 {where}",
    "step_max_axis": "다른 축의 최댓값: {fix} 자리에 {where}",
    "step_mean_axis": "다른 축의 평균: {fix} 자리에 {where}",
    "step_missing_constant": "모델의 상수 인자 누락: {fix} 자리에 {where}",
    "step_wrong_constant": "잘못된 상수: {fix} 자리에 {where}",
    "step_shifted": "이웃한 단계나 층: {fix} 자리에 {where}",
    "step_wrong_tensor": "같은 모양의 다른 텐서: {fix} 자리에 {where}",
    "note_regrouped": "{formula}(으)로 읽음: 나란히 쓴 곱이 ⊙보다 먼저 묶이지만, 이렇게 묶어야만 "
    "모양이 맞는다",
    "note_conclusion": "중간 단계를 읽지 못한 등식 사슬의 결론: 그것만 따로 확인한다",
    "note_vanishing_terms": "순전파 식을 대입하면 합이 0이 되는 항(Σ(x_i − μ_B) = 0)만큼 참 기울기와 "
    "다르다: 값은 같고 식은 다르다",
    "note_kink_one": "지시 함수 1(z ≥ 0)은 꺾이는 점 밖에서 ReLU의 도함수와 같다; z = 0에서는 1이고 jax.grad와 레지스트리는 0을 쓴다 (둘 다 부분기울기); 꺾이는 점 밖에서 ReLU의 도함수로 검사한다",
    "note_other_layout": "분자 배치(∂f/∂X가 Xᵀ의 모양)에서는 맞다: Cookbook의 분모 배치(∂f/∂X가 X의 "
    "모양) 기울기의 전치이다",
    "note_square_only": "우변이 정사각 행렬에서만 모양이 맞아, 모든 문자를 정사각(3×3, 또는 길이 3의 열)으로 "
    "확인한다",
    "model_not_stated": "모델이 주어지지 않았다: 노트의 어떤 순전파 식도 {missing}을(를) 계산하지 않는다; "
    "{add}을(를) 추가하라",
    "file_rows_stated": '행이 예제 (layout = "rows"): 활성화는 B × n, W_l은 n_l × n_(l+1), '
    "b_l은 1 × n_(l+1); 주장과 그 모양도 그렇게 읽는다",
    "file_rows_forward": "행을 예제로 읽었다: 순전파 식이 가중치를 오른쪽에 둔다 (X W + b). 모든 행렬은 "
    "우리 것의 전치 (X_rows = X_colsᵀ)이고, 각 주장은 행으로 쓴 그대로 검사한다",
    "symbols_line": "순전파 식에서 읽은 기호: {letters}",
    "symbol_a": "{letter}는 활성화 a",
    "symbol_z": "{letter}는 활성화 이전 값 z",
    "symbol_output": "{letter}는 네트워크의 출력 a_L (t는 목표값)",
    "symbol_f": "{letter}(·)는 그 층의 활성화 함수 f",
    "symbol_layer": "{role} (층 L{offset})",
    "file_rows_shapes": '행을 예제로 읽었다: 모양은 그렇게 읽을 때만 맞는다 ([network]에 layout = "rows"라고 '
    "적으면 된다)",
    "file_input_zero": "강의의 층 번호로 읽었다: X가 0층이고 W_l, b_l은 l층으로 들어간다 (우리 층 = 강의 층 + 1); "
    "dZ_l, dA_l은 예제별 값, dW_l, db_l은 비용의 기울기",
    "reading_per_example": "강의의 예제별 d{name} = {b} ∂J/∂{name}",
    "reading_mean_gradient": "평균 비용의 기울기 ∂J/∂{name}",
    "readings_line": "{holds}(으)로는 성립하고, {fails}(으)로는 틀리다: {slip}",
    "probably": "추정 원인: {slip}",
    "agreement_agree": "검증자들이 {compared}개 점 모두에서 일치한다 (허용 오차의 최대 {ratio})",
    "agreement_differ": "{compared}개 점 중 {bad}개가 허용 오차를 넘어 다르다; 최악은 점 {point}, 성분 "
    "{entry}: {values}; 어긋난 쪽: {blamed}",
    "agreement_differ_short": "{compared}개 점 중 {bad}개가 허용 오차를 넘어 다르다",
    "agreement_none": "비교할 수 있는 표본 점이 없다",
    "witness_failed": "{witness}: 값을 내지 못함: {why}",
    "witness_skipped": "검증자 {witness}: 실행하지 않음, {why}",
    "unparsed_at": "읽지 못함: {message}",
    "shape_problem": "크기가 맞지 않는다: {problem}",
    "shape_matmul": "{a} 행렬과 {b} 행렬의 행렬곱",
    "shape_broadcast": "{a} 행렬과 {b} 행렬의 '{op}' (브로드캐스트)",
    "shape_elementwise": "{a} 행렬과 {b} 행렬의 '{op}'",
    "shape_against": "주장은 {a} 행렬, 기울기는 {b} 행렬",
    "shape_dimension": "크기 {a}인 차원과 크기 {b}인 차원",
    "shape_loss": "크기 {a}의 손실",
    "shape_in": "{node} 식에서 {problem}",
    "activation_then": "{first} 다음 {then}",
    "describe_batch": "{text}, 배치 {B} ({reduction})",
    "describe_no_biases": "{text}, 편향 없음",
    "describe_l2": "{text}, L2 페널티 λ = {lam}",
    "reduction_mean": "평균",
    "reduction_sum": "합",
    "stand_in_mse": "일반 손실 함수는 값이 없으므로 수치 검증자는 대신 mse를 사용한다 "
    "(마지막 층의 출력 활성화 f(z)에 대한 제곱 오차에 1/2을 곱한 것, f는 은닉층과 같다)",
    "kink_point_note": "꺾인 점 {points}개에서 검증자들은 규약이 허용하는 만큼, 최대 {err} 다르다",
    "cx_title": "표본 점 {point}에서의 반례 (시드 {seed})",
    "cx_entries": "성분 {entries}",
    "cx_claimed": "주장 값 (우변)",
    "cx_true": "참값 (좌변)",
    "cx_line_claimed": "주장 값: {sympy} (SymPy), {jax} (NumPy, 쓴 그대로)",
    "cx_line_true": "참값:    {sympy} (SymPy), {jax} (JAX)",
    "forward_agree": "순전파 값이 일치한다 (최대 차이 {err})",
    "forward_blamed": "{quantity}: {blamed} 값이 {others} 값과 다르다 (최대 차이 {err})",
    "forward_disagree": "순전파 값이 일치하지 않는다 (최대 차이 {err})",
    "forward_label": "순전파: {text}",
    "impl_agree": "{name}: 모든 점에서 모든 기울기가 jax.grad와 일치한다 (최대 차이 {err})",
    "impl_fail": "{name}: jax.grad와 일치하지 않는다",
    "impl_var_agree": "{var}: 표본 점 {points}개 모두에서 일치 (최대 차이 {err})",
    "impl_var_differs": "{var}: 표본 점 {points}개 중 {bad}개에서 jax.grad와 다르다; 최악은 점 {point}, "
    "성분 {entry}: {values}; 어긋난 쪽: {blamed}",
    "impl_var_failed": "{var}: 값을 내지 못함 ({why})",
    "impl_label": "검사 대상 구현: {text}",
    "kinks_text": "{points}개 점에서 입력이 {activation}의 꺾인 점에 정확히 놓인다; 그곳에서 각 검증자는 "
    "자신의 규약을 따른다 ({conventions})",
    "kinks_agree": "그곳에서도 일치한다",
    "kinks_convention": "규약의 차이만큼만 다르다 (최대 차이 {err}; 실패가 아님)",
    "reference_line": "기준값: SymPy의 미분을 {library}로 {digits}자리까지 {subset}에서 계산; ULP 단위 "
    "최대 오차 ({dtype}): {ulps}",
    "reference_skipped": "기준값 ({digits}자리): 계산하지 않음, {why}",
    "subset_all": "표본 점 {points}개 전체",
    "subset_first": "표본 점 {total}개 중 처음 {points}개",
    "tolerance_used": "일치하는 두 검증자 사이의 최대 차이: 허용 오차의 {used}",
    "tolerance_policy": "점과 성분마다 |x − y| ≤ 2·{K}·eps·n·max(1, Σ|항|) (n = 더하는 항의 수: "
    "{n}), eps = {eps} ({dtype})",
    "terms_network": "{b} + 뒤쪽 층 너비의 합",
    "terms_matrix": "주장에 나오는 문자들의 성분 수, 최소 4",
    "terms_scalar": "4m (m: 예제 수)",
    "terms_model": "주어진 텐서의 성분 수",
    "model_title": "자체 모델: {given}의 {objective}",
    "model_line": "모델: {given}; 순전파: {equations}; 기울기는 분모 배치 (∂L/∂X는 X의 모양), 성분별로 유도",
    "model_role_input": "입력 {tensors}",
    "model_role_target": "목표 {tensors}",
    "model_role_parameter": "매개변수 {tensors}",
    "model_drawn": "표본: {drawn}",
    "model_from_notes": "모델: 노트의 순전파 식({where})에서 읽음. 모양이 적혀 있지 않아 정했음: 식이 묶는 차원마다 "
    "각자의 크기, 가능한 곳은 정사각이 아니게, 손실은 1×1 (소문자는 열벡터, 대문자는 행렬)",
    "model_examples": "m = {m}개 예제: 어떤 매개변수에도 없는 데이터의 차원",
    "model_from_file": "모델: 모델 파일 {file} (문서의 주장은 그 텐서에 관한 것이며, 문서 자체의 순전파 식은 읽지 않음)",
    "notes_line": "{lines}행",
    "notes_lines": "{lines}행",
    "draw_normal": "{names} 표준 정규분포",
    "draw_positive": "{names} 양수, exp(N(0, 1)/2)",
    "draw_one_hot": "{names} 원-핫 (열마다 한 클래스)",
    "draw_conditioned": "{names} 단위행렬 근처, I + 0.5 N/n (det, ln|det|, 역행렬 안)",
    "scope_model": "모든 실수 점{condition}",
    "scope_no_ties": "최댓값에 동률 없음",
    "model_ties": "{functions}: 기울기는 argmax로 간다; 표본 점은 연속 분포에서 뽑으므로 동률의 확률은 0이다(순전파가 같은 값을 만들지 않는 한); "
    "동률에서 jax.grad는 동률인 원소들에 고르게 나누고, SymPy는 첫 원소(창 안의 행 우선)에 모두 주며, "
    "주장의 (x == max(…))는 동률인 원소마다 전부 준다",
    "model_kinks": "{functions}: 0에서 꺾이지만 표본 점은 그곳에 닿지 않는다; 주장의 x > 0 (relu'(x))은 "
    "그곳에서 jax.grad처럼 0이다",
    "scalar_title": "노트 자체의 식: 입력 {inputs} (매개변수 {parameters}), 예제 m = {m}개",
    "matrix_title": "행렬 항등식: 각각 자신의 목적 함수 f에 관한 것 (분모 배치: ∂f/∂X는 X의 모양)",
    "matrix_model": "모델: 각 주장의 목적 함수 f만, 문자는 주장마다 보인 크기의 실수 행렬(대문자)과 "
    "열(소문자)이며 목적 함수가 허용하는 한 정사각이 아니다; 기울기는 Matrix Cookbook처럼 분모 배치, "
    "∂f/∂X는 X의 모양; det, ln|det|, 역행렬 안의 문자는 I 근처에서 표본을 뽑는다",
    "scalar_model": "모델: 입력 {inputs}와 매개변수 {parameters}에 대한 노트의 순전파 식 ({quantities}), "
    "마지막 양들에 대한 일반 ℓ; 예제 m = {m}개 (기호 계산과 수치 계산 모두)",
    "run_network": "네트워크: 크기 {sizes} (W_1은 {rows}×{cols}), 활성화 함수 {activation}, 손실 함수 {loss}",
    "run_points": "표본 점: {points}개 (시드 {seed}), {dtype}; 허용 오차: {policy}",
    "run_source": "주장: {source}에서 {count}개",
    "batch_convention_mean": "{b} = {B}개 예제를 열로 둔 미니배치; 손실은 예제별 손실의 평균이므로 "
    "모든 기울기에 1/{b}가 붙는다",
    "batch_convention_sum": "{b} = {B}개 예제를 열로 둔 미니배치; 손실은 예제별 손실의 합 (1/{b} 없음)",
    "batch_rows_mean": "{b} = {B}개 예제를 행으로 둔 미니배치; 손실은 예제별 손실의 평균이므로 모든 기울기에 1/{b}가 붙는다",
    "batch_rows_sum": "{b} = {B}개 예제를 행으로 둔 미니배치; 손실은 예제별 손실의 합 (1/{b} 없음)",
    "stand_in": "일반 손실 함수는 값이 없으므로 수치 검증자는 대신 {loss}를 사용한다",
    "no_output_identity": "출력층의 ∂L/∂z_{L}에 대한 기본 항등식은 없다: 일반 손실 ℓ에서는 "
    "정의상 δ_{L} = ∂ℓ/∂z_{L}이다",
    "run_penalty": "L2 페널티(가중치 감쇠): 손실에 {penalty}를 더한다 (편향은 제외), 그래서 "
    "∂L/∂W_l에 + {gradient}가 붙는다",
    "penalty_notes": "L2 페널티: 문서의 {line}번째 줄이 손실에 더한다",
    "penalty_chosen": "λ가 주어지지 않음: 문서가 λ를 기호로 두므로 λ = {lam}으로 검사한다 (--l2로 지정)",
    "generic_layered": "일반 증명: 각 층의 주장을 l, l+1번째 층과, 손실 함수와 이후의 모든 층을 대신하는 "
    "정의되지 않은 ℓ(z_(l+1))로 증명한다",
    "skipped_concrete": "네트워크의 활성화·손실 함수로 하는 증명: 생략, {why}; 일반 증명과 수치 비교는 유효하다",
    "fwd_consistent": "일치",
    "fwd_inconsistent": "불일치",
    "fwd_not_read": "읽지 못함",
    "fwd_summary": "문서의 순전파 식: {summary}",
    "fwd_line": "{line}행: {written} — {status}: {problem}",
    "fwd_without_bias": "{line}행: {written} — 편향이 없을 때 일치 (네트워크의 b = 0)",
    "reading_single": "표기: 문서가 층 번호를 쓰지 않으므로 한 층으로 읽는다: x → z = Wx + b → a = f(z) "
    "(W, b는 W_1, b_1; z, a는 출력층의 것)",
    "reading_in": "W^(l)이 l층으로 들어감",
    "reading_out": "W^(l)이 l+1층으로 들어감",
    "reading_first": "입력층은 {first}층",
    "reading_line": "표기: {reading} ({basis})",
    "basis_forward_equations": "문서의 순전파 식이 정한 대로",
    "basis_layers_exist": "문서가 쓰는 모든 층이 존재하는 유일한 읽기",
    "basis_default": "기본값",
    "reading_open": "문서가 층 번호 규약을 정하지 않음; 다른 읽기로도 확인: {others}",
    "sizes_default": "크기가 주어지지 않음: 서로 다른 폭의 작은 기본값 (--sizes로 지정)",
    "batch_from_notes": "배치 크기가 주어지지 않음: 문서가 미니배치(Δ_l, A_l, 1, 1/B)를 쓰므로 B = {B}개 예제로 "
    "확인한다 (--batch, --reduction으로 지정)",
    "sizes_declared": "문서가 선언한 크기 (예: W ∈ ℝ^{{3×4}}); 나머지는 작은 기본값",
    "size_conflict": "{line}행: {written}은 {layer}층의 폭을 {declared}로 선언하지만 주어진 크기에서는 "
    "{given}이다: 주장은 주어진 크기로 확인한다",
    "activations_named": "문서의 순전파 식이 정한 층별 활성화 함수: {named}",
    "activation_unnamed": "층 {layer}: 활성화 함수가 문서에 없음; {activation}을 씀 (모든 층을 --activation으로 지정)",
    "reading_index_from": "w_jk는 뉴런 j에서 뉴런 k로 가는 가중치 (둘째 첨자가 받는 뉴런, 위층의 뉴런)",
    "reading_index_to": "w_jk는 뉴런 k에서 뉴런 j로 들어가는 가중치 (첫째 첨자가 받는 뉴런, 위층의 뉴런: "
    "Bishop의 w_ji, Nielsen의 w^l_jk)",
    "index_line": "첨자 표기: {reading}; 자유 첨자가 있는 모든 주장은 모든 성분에 대해 확인된다",
    "loss_notes_sse": "손실: sse, 문서의 {line}번째 줄이 정의하는 1/2 없는 오차 제곱 (E = Σ(t − o)²)",
    "loss_notes_mse": "손실: mse, 문서의 {line}번째 줄이 정의하는 1/2 있는 오차 제곱",
    "loss_notes_bce": "손실: bce, 문서의 {line}번째 줄이 정의하는 이진 교차 엔트로피",
    "loss_notes_softmax-ce": "손실: softmax-ce, 문서의 {line}번째 줄이 정의하는 소프트맥스 출력의 교차 엔트로피",
    "in_reading": "{reading}이면 {verdict}",
    "definitions": "정의 (주장이 아님): {names}",
    "not_claims": "주장이 아닌 식: {count}개 식이 ∂, ∇ 또는 δ를 포함하지만 ∂L/∂X, ∇_X L 또는 δ_l로 "
    "시작하지 않는다 ({lines}행)",
    "count_verdict": "{verdict} {count}개",
    "claims_count": "주장: {counts}",
    "first_wrong": "처음 틀린 단계: {line}행, {formula}",
    "scope_condition": "{scope}, 예제마다 목표값의 합이 1일 때",
    "condition_fails": "예제마다 목표값의 합이 1일 때만 성립 (원-핫 또는 확률분포, 손실이 가정하는 대로); 그렇지 않은 목표값에서는 성분 {entry}가 다름: 주장 {claimed}, 도함수 {derived}, 점 {at}",
    "result_passed": "통과: 모든 주장이 증명되었고 모든 검증자가 일치한다",
    "result_passed_budget": "통과: SymPy의 예산이 허용하는 범위에서 모든 주장이 증명되었고, 실행된 모든 "
    "검증자가 일치한다",
    "result_failed": "실패: 위의 주장들을 보라",
    "result_failed_data": '실패: "claims"의 항목마다 판정을 보라',
    "result_label": "결과: {verdict}",
    "wrote": "작성한 파일: {paths}",
    "where_line": "{line}행",
    "where_layer": "l = {layer}",
    "col_where": "주장",
    "col_formula": "공식",
    "col_verdict": "판정",
    "col_scope": "범위 / 진단",
    "col_err": "최대 |Δ|",
    "yes": "예",
    "no": "아니오",
    "fig_ylabel": r"$\max\,|x - y|$",
    "fig_tolerance": r"$|x - y| = 2K\varepsilon\, n s$",
    "fig_zero": "정확히 0",
    "fig_pair": "{a} 대 {b}",
    "fig_ulp_xlabel": r"$|x - x_{{\mathrm{{ref}}}}|\,/\,\mathrm{{ulp}}(x_{{\mathrm{{ref}}}})$",
    "fig_ulp_ylabel": "개수",
    "fig_ulp_legend": r"{witness} ($\max = {max}$)",
    "title": "역전파 공식의 세 가지 독립 검증",
    "subtitle_builtin": "이 신경망에 대한 강의 노트의 기울기 공식 COUNT개를 SymPy, 손으로 작성한 NumPy, "
    "\\texttt{jax.grad}로 검증한다",
    "subtitle_claims": "\\texttt{SOURCE}의 기울기 주장을 SymPy, NumPy, \\texttt{jax.grad}로 검증한다",
    "how_proved": "{total}개 중 {count}개 증명됨: SymPy가 순전파로부터 기울기를 유도하여 표의 범위에서 "
    "유도값 − 주장 = 0임을 정확히 보였고, 모든 표본 점에서 검증자들이 일치한다.",
    "how_not_proved": "증명되지 않음: {counts}. 반례나 이유는 각 주장의 절에 있다.",
    "how_numbers": "수치 비교: {witnesses}를 {dtype}로 표본 점 {points}개에서 비교했다. 순전파를 먼저 "
    "비교했고, 허용 오차는 오차 예산에서 정했다.",
    "how_numbers_none": "수치로 비교한 주장은 없다.",
    "verdict_count": "{verdict} {count}개",
    "agreement": "모든 표본 점에서의 일치",
    "spread_here": "이 점의 차이",
    "facts": "실행 정보",
    "date": "날짜",
    "network": "네트워크",
    "model": "모델",
    "activation": "활성화 함수",
    "loss": "손실 함수",
    "convention": "규약",
    "seed": "난수 시드",
    "points": "표본 점",
    "dtype": "부동소수점",
    "tolerance": "허용 오차",
    "versions": "버전",
    "source": "주장",
    "the_network": "네트워크",
    "network_caption": "공식이 다루는 층 경계: $l$번째 층은 $z_{l+1} = W_l a_l + b_l$ 로 "
    "$l+1$번째 층에 연결되고, 각 뉴런은 $a = f(z)$ 를 적용한다.",
    "notation": "기호",
    "symbol": "기호",
    "meaning": "의미",
    "shape": "크기",
    "m_a": "$l$번째 층의 뉴런 값, $a_l = f(z_l)$",
    "m_z": "선형 연산을 적용한 값, $z_{l+1} = W_l a_l + b_l$",
    "m_W": "$l$번째 층에서 $l+1$번째 층으로 가는 가중치 행렬 (행: 다음 층)",
    "m_b": "$l+1$번째 층의 편향",
    "m_delta": r"$\delta_l$: 손실의 $z_l$에 대한 미분, $\delta_l = \partial L / \partial z_l$",
    "m_circ": "성분별 곱 (아다마르 곱)",
    "m_Delta": r"예제별 $\delta_l = \partial \ell_e / \partial z_l$ 을 열로 모은 행렬",
    "m_ones": "1로 된 열벡터 (예제에 대한 합)",
    "grad_shape": "기울기는 변수와 같은 크기를 갖는다: "
    r"$\left[\partial L/\partial W\right]_{ij} = \partial L/\partial w_{ij}$.",
    "forward": "순전파",
    "method": "검증 방법",
    "method_text": (
        "미분 코드를 공유하지 않는 세 검증자를 사용한다. "
        r"\textbf{SymPy}는 모든 성분($w_{ij}$, $a_{1j}$, $z_{1j}$, $b_{1i}$)을 기호로 두고 순전파를 "
        r"쓴 뒤, 모든 성분에 대해 손실을 미분하고 \emph{미분 결과 $-$ 주장}이 정확히 0임을 보인다. "
        r"한 번은 정의되지 않은 활성화 함수 $f$와 손실 $\ell(z_L)$로 증명하여 모든 활성화 함수와 "
        r"손실 함수에 대해 한꺼번에 성립함을 보이고, 한 번은 이번 실행의 구체적인 함수로 증명한다. "
        r"\textbf{NumPy}는 사람이 손으로 코딩하듯 주장의 우변을 계산한다. "
        r"\textbf{JAX}는 \texttt{jax.numpy}로 쓴 순전파를 \texttt{jax.grad}로 미분하며 주장을 "
        "전혀 보지 않는 기준(오라클)이다. 먼저 순전파 값을 비교하고, 그다음 모든 표본 점에서 "
        "모든 기울기의 모든 성분을 위의 허용 오차로 비교한다."
    ),
    "method_text_model": (
        "서로 미분 코드를 공유하지 않는 세 검증자. "
        r"\textbf{SymPy}는 주어진 텐서의 성분마다 기호를 두고 모델의 순전파 식을 계산한 뒤 목적 함수를 "
        r"모든 성분에 대해 미분하고, \emph{유도값 $-$ 주장}이 정확히 0임을 보인다. "
        r"\textbf{NumPy}는 모델의 순전파 위에서 주장의 우변을 사람이 코딩하듯 계산한다. "
        r"\textbf{JAX}는 \texttt{jax.numpy}로 쓴 순전파 식을 \texttt{jax.grad}로 미분하며 주장을 보지 "
        "않는다: 기준(oracle)이다. 목적 함수와 모든 중간값을 먼저 비교한 뒤, 모든 표본 점에서 모든 "
        "기울기의 모든 성분을 위의 허용 오차로 비교한다."
    ),
    "method_text_matrix": (
        "서로 미분 코드를 공유하지 않는 세 검증자. "
        r"\textbf{SymPy}는 각 항등식의 목적 함수를 문자의 성분마다 기호로 쓰고 모든 성분에 대해 미분하여 "
        r"\emph{유도값 $-$ 주장}이 정확히 0임을 보인다. \textbf{NumPy}는 우변을 쓴 그대로 계산한다. "
        r"\textbf{JAX}는 목적 함수를 \texttt{jax.grad}로 미분하며 주장을 보지 않는다. "
        "목적 함수를 먼저 비교한 뒤 모든 표본 점의 모든 성분을 비교한다."
    ),
    "method_text_scalar": (
        "서로 미분 코드를 공유하지 않는 세 검증자. "
        r"\textbf{SymPy}는 노트의 스칼라 식을 기호로 된 배치와 정의되지 않은 상류 $\ell$로 계산하여 "
        r"\emph{유도값 $-$ 주장}이 정확히 0임을 보인다. \textbf{NumPy}는 주장을 쓴 그대로 계산하고, "
        r"\textbf{JAX}는 식을 \texttt{jax.grad}로 미분하며(모든 양을 탭) 주장을 보지 않는다."
    ),
    "slices": "층별 증명",
    "slices_text": r"층이 셋 이상인 네트워크에서 $l$번째 층 공식의 일반 증명은 $l$, $l+1$번째 층을 정의되지 "
    r"않은 $\ell(z_{l+1})$와 함께 미분한다: 이후의 층과 손실 함수가 무엇이든 $L$은 $z_{l+1}$의 함수이므로 "
    r"이 증명이 모두를 포함한다. 구체적인 활성화·손실 함수를 쓰는 증명은 네트워크 전체를 미분한다.",
    "dimension_free": "모든 크기에 대해 한 번에",
    "dimension_free_text": r"크기를 기호 $n \to m$으로 두고, 첨자 표기, 일반 $f$, 출력에 대한 합 꼴의 손실 "
    r"$L = \sum_{i=1}^{m} \ell(z_{2,i})$로 SymPy가 한 성분에 대해 미분하고 크로네커 델타 합을 직접 "
    r"계산한다 ($1 \le p \le m$, $1 \le q \le n$). 여기서 $\delta_{2,p} = \ell'(z_{2,p})$이다:",
    "dimension_free_limit": r"이 형태가 다루지 못하는 것: 출력에 대한 합으로 나뉘지 않는 손실(소프트맥스 "
    r"교차 엔트로피 등)이나, 깊은 네트워크에서 앞 층이 보는 뒤쪽 층들. 이 경우에는 아래 절들의, 일반 "
    r"$\ell(z_2)$를 쓰는 정확한 크기의 증명이 근거이다.",
    "statement": "주장",
    "entrywise": "성분별 공식",
    "derivation": "SymPy가 성분별로 구한 미분",
    "assembled": "공식을 행렬로 모은 결과",
    "matrix_too_big": "행렬 성분이 {rows}×{cols}개이므로 출력하지 않고 성분별로만 검사한다.",
    "symbolic": "기호 검증 결과",
    "numeric": "수치 검증",
    "numeric_text": "표본 점 0에서 세 검증자의 값과 그 점에서의 차이(최댓값 − 최솟값). 위의 근거는 전체 "
    "{points}개 점에 대한 것이다.",
    "entry": "성분",
    "max_diff": "최대 $|\\Delta|$",
    "evidence": "근거",
    "written_as": "원문",
    "summary": "요약",
    "implementation": "검사 대상 구현",
    "implementation_text": "손으로 작성한 역전파 코드는 주장의 검증자가 아니라 검사 대상이며, 모든 표본 "
    r"점에서 변수별로 \texttt{jax.grad}와 비교한다.",
    "forward_equations": "문서의 순전파 식",
    "precision": "고정밀 기준값과의 비교",
    "precision_text": "순전파를 SymPy가 직접 미분한 결과(주장이 아님)를 {library} 라이브러리로 유효숫자 "
    "{digits}자리 이상의 정밀도로 {subset}에서 계산했다. 각 검증자의 오차를 모든 성분과 점에 걸친 최대 절대 "
    "오차, 상대 오차, 참값에서의 {dtype} ULP 단위 오차로 나타낸다. 상쇄로 작아진 성분은 기울기에 비해 아주 "
    "작은 오차도 ULP로는 크게 보이므로, 허용 오차는 기울기의 크기를 기준으로 정한다.",
    "budget": "오차 예산에서 정한 허용 오차",
    "budget_text": "한 검증자가 한 성분에서 내는 반올림 오차는 최대 $K \\varepsilon n s$이다. $\\varepsilon$은 "
    "{dtype}의 기계 엡실론, $n$은 역전파가 그 성분까지 더하는 항의 수($B$와 뒤쪽 층 너비의 합), "
    "$s = \\max(1, \\max_{{\\mathrm{{entries}}}} |y|)$는 그 점에서 값의 크기, $K = {K}$는 한 항이 지니는 "
    "반올림 오차의 수이다. 두 검증자는 그 두 배로 비교한다. 이번 실행에서 두 검증자 사이의 최대 차이는 "
    "허용 오차의 {used}였다.",
    "tolerance_latex": r"|x - y| \le 2 \cdot {K}\,\varepsilon\, n \max\!\left(1, \max_{{\mathrm{{entries}}}} "
    r"|y|\right),\ n = B + \textstyle\sum_{{k > l}} n_k,\ \varepsilon = {eps}",
    "tolerance_latex_entries": r"|x - y| \le 2 \cdot {K}\,\varepsilon\, n \max\!\left(1, \max_{{\mathrm{{entries}}}} "
    r"|y|\right),\ n = \#\mathrm{{entries\ given}},\ \varepsilon = {eps}",
    "ulp_caption": "고정밀 기준값({library}, 유효숫자 {digits}자리; {subset})에 대한 각 검증자의 오차를 "
    "{dtype} ULP 단위로 나타낸 분포: 검증자의 값 $x$와 기준값 $x_{{\\mathrm{{ref}}}}$에 대해 "
    "$|x - x_{{\\mathrm{{ref}}}}| / \\mathrm{{ulp}}(x_{{\\mathrm{{ref}}}})$를 모든 주장, 성분, 점에 걸쳐 "
    "센 개수 (로그 눈금; 오차가 정확히 0이면 {floor}에 셈).",
    "col_abs": "최대 절대 오차",
    "col_rel": "최대 상대 오차",
    "col_ulp": "최대 ULP",
    "figure_caption": "{subset}(시드 {seed})에서의 일치: 주장별로, 각 점에서 두 검증자의 값 $x$와 $y$ "
    "사이의 모든 성분에 걸친 최대 차이 $|x - y|$ (로그 눈금). 막대는 아래 오차 예산의 허용 오차 "
    "$2K\\varepsilon n s$ 가운데 점들에서 가장 작은 값이며, 정확히 0인 차이는 맨 아래에 그렸다.",
    "figure_name": "그림",
    "sample_point": "표본 점 0",
    "verdict_all": "모든 주장이 증명되었고 세 검증자가 모든 표본 점에서 일치한다.",
    "verdict_all_budget": "SymPy의 예산이 허용하는 범위에서 모든 주장이 증명되었고, 실행된 모든 검증자가 "
    "모든 표본 점에서 일치한다.",
    "verdict_fail": "검사 실패: 증명되지 않은 주장이 있거나, 검증자 또는 구현이 일치하지 않는다.",
}

STRINGS: dict[str, dict[str, str]] = {"en": EN, "ko": KO}

# values that are LaTeX markup already: the report uses them as written (never escaped)
LATEX = frozenset(
    {
        "title", "subtitle_builtin", "subtitle_claims", "facts", "date", "network", "activation", "loss",
        "convention", "seed", "points", "dtype", "tolerance", "versions", "source", "the_network", "model",
        "network_caption", "notation", "symbol", "meaning", "shape", "m_a", "m_z", "m_W", "m_b", "m_delta",
        "m_circ", "m_Delta", "m_ones", "grad_shape", "forward", "method", "method_text", "method_text_model",
        "method_text_matrix", "method_text_scalar", "slices",
        "slices_text", "dimension_free", "dimension_free_text", "dimension_free_limit",
        "statement", "entrywise", "derivation", "assembled", "symbolic", "numeric", "entry", "max_diff",
        "evidence", "written_as", "summary", "implementation", "implementation_text", "forward_equations",
        "precision", "budget", "budget_text", "tolerance_latex", "ulp_caption", "col_abs", "col_rel",
        "col_ulp", "figure_caption", "figure_name", "sample_point", "tolerance_latex_entries", "spread_here",
        "agreement",
    }
)  # fmt: skip

# the same in both languages: formulas, names and punctuation only
SAME_IN_BOTH = frozenset(
    {
        "slip_found",
        "reason_none",
        "proof_line",
        "scope_pair",
        "where_layer",
        "tolerance_latex",
        "tolerance_latex_entries",
        "fig_ylabel",
        "fig_tolerance",
        "fig_ulp_xlabel",
        "fig_ulp_legend",
    }
)

# translations of the loss registry's conventions (English comes from the registry itself)
LOSS_CONVENTIONS: dict[str, dict[str, str]] = {
    "ko": {
        "mse": "오차 제곱에 1/2을 곱한 값; 마지막 층의 출력 활성화 $f(z)$에 적용 (은닉층과 같은 $f$)",
        "sse": "1/2 없는 오차 제곱의 합 ($E = \\sum_k (t_k - o_k)^2$처럼); 마지막 층의 출력 활성화 $f(z)$에 "
        "적용 (은닉층과 같은 $f$)",
        "softmax-ce": "마지막 층의 $z$를 로짓으로 하는 소프트맥스 교차 엔트로피 (출력 활성화 없음), "
        "원-핫 목표 $y$",
        "bce": "각 출력의 시그모이드에 대한 이진 교차 엔트로피 (다른 출력 활성화 없음), 출력마다 0/1 목표 하나",
        "generic": "마지막 층의 $z$에 대한 정의되지 않은 함수: 증명은 모든 손실 함수에 대해 성립하고, 수치 "
        "검증자는 값이 필요하므로 대신 mse를 사용한다",
    },
}


def strings(lang: str) -> dict[str, str]:
    """The sentences of `lang` (one of `LANGUAGES`); an `InputError` naming them otherwise."""
    try:
        return STRINGS[lang]
    except KeyError:
        raise choose_one("lang", lang, LANGUAGES) from None
