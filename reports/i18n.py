"""The report's words in English and Korean. Formulas are the same in both languages."""

from __future__ import annotations

from derive.errors import choose_one

LANGUAGES = ("en", "ko")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Backpropagation, checked three ways",
        "subtitle": "The four gradient identities of the lecture notes, proved by SymPy and "
        "confirmed by hand-written NumPy and \\texttt{jax.grad}",
        "facts": "Run",
        "date": "Date",
        "network": "Network",
        "activation": "Activation",
        "loss": "Loss",
        "convention": "Convention",
        "seed": "Random seed",
        "points": "Sample points",
        "dtype": "Floating point",
        "tolerance": "Tolerance",
        "versions": "Versions",
        "verdict_all": "All identities are proved and all three witnesses agree at every sample point.",
        "verdict_fail": "A CHECK FAILED: at least one identity is not proved or the witnesses disagree.",
        "verdict_all_skipped": "All identities are proved where SymPy's budget allows, and every witness that ran agrees at every sample point.",
        "skipped_witness": "Witness {witness}: not run, {why}.",
        "skipped_concrete": "Proofs with the network's own activation and loss: skipped, {why}. The generic proofs and the numeric comparison stand.",
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
        "grad_shape": "A gradient has the shape of its variable: "
        r"$\left[\partial L/\partial W\right]_{ij} = \partial L/\partial w_{ij}$.",
        "forward": "The forward pass",
        "method": "How the identities are checked",
        "method_text": (
            "Three witnesses that share no derivative code. "
            r"\textbf{SymPy} writes the forward pass with one symbol per entry "
            r"($w_{ij}$, $a_{1j}$, $z_{1j}$, $b_{1i}$), differentiates the loss with respect to every "
            r"entry, and shows that \emph{derived $-$ formula} is exactly zero: once with an undefined "
            r"activation $f$ and an undefined loss $\ell(z_L)$, which proves the identity for every "
            r"activation and loss at once, and once for the concrete pair of this run. "
            r"\textbf{NumPy} computes the formulas as a person codes them by hand. "
            r"\textbf{JAX} differentiates a forward pass written in \texttt{jax.numpy} with "
            r"\texttt{jax.grad} and never sees the formulas: it is the oracle. "
            "The forward passes are compared first; then every entry of every gradient at every "
            "sample point, under the tolerance stated above."
        ),
        "statement": "Statement, as in the notes",
        "entrywise": "Entry by entry",
        "derivation": "SymPy's derivative, entry by entry (SCOPE)",
        "assembled": "The formula, assembled",
        "matrix_too_big": "The matrix has {rows}×{cols} entries; it is checked entry by entry "
        "but not printed.",
        "symbolic": "Symbolic verdict",
        "scope_generic": "generic $f$, generic $\\ell(z_L)$",
        "numeric": "Numeric check",
        "numeric_text": "Values of the three witnesses at sample point 0, and the largest difference "
        "between any two witnesses over all {points} points.",
        "entry": "Entry",
        "max_diff": "max $|\\Delta|$",
        "max_over_points": "Largest difference over all points",
        "witness_failed": "gave no values",
        "disagreement": "Disagreement",
        "disagreement_text": "at point {point}, entry {entry}; off: {blamed}",
        "counterexample": "Counterexample",
        "counterexample_text": "in entry {entry}, the formula gives {claimed} where SymPy's derivative is "
        "{derived}, with",
        "summary": "Summary",
        "claims_title": "Your claims",
        "claims_intro": "derivcheck read {count} claims from {source}. Each is proved (SymPy proves it and jax.grad agrees at all {points} sample points, seed {seed}), refuted (with a counterexample), a shape error, undecided, or unparsed.",
        "claims_where": "line {line}",
        "claims_layer": "for l = {layer}",
        "claims_probably": "Probably",
        "claims_counterexample": "Counterexample at sample point {point}",
        "claims_entry": "entry",
        "claims_claimed": "claimed",
        "claims_true": "true",
        "claims_forward": "Forward equations in the document: {summary}.",
        "claims_verdict_fail": "At least one of your claims is not proved: see the section Your claims.",
        "identity": "Identity",
        "generic": "generic",
        "passed": "passed",
        "yes": "yes",
        "no": "NO",
        "precision": "Precision against a high-precision reference",
        "precision_text": "SymPy's own derivative of the forward pass (not the formula) is evaluated with {library} at {digits} significant digits or more on {subset}. Each witness's error against it is given as the largest absolute error, relative error and error in ULPs of {dtype} at the true value, over every entry and point. An entry that is small through cancellation shows many ULPs for an error that is tiny against the gradient; the tolerance is budgeted on the gradient's scale instead.",
        "precision_skipped": "No high-precision reference for this network: {why}.",
        "subset_all": "all {points} sample points",
        "subset_first": "the first {points} of {total} sample points",
        "budget": "Tolerance, from an error budget",
        "budget_text": "One witness's rounding error in an entry is at most $K \\varepsilon n s$: $\\varepsilon$ the machine epsilon of {dtype}, $n$ the number of terms the backward pass sums on the way to the entry ($B$ plus the widths of the later layers), $s = \\max(1, \\max_{{\\mathrm{{entries}}}} |y|)$ the scale of the values at the point, and $K = {K}$ the rounding errors one term carries. Two witnesses are compared with twice that. Over this run the largest difference between two witnesses used {used} of the tolerance.",
        "ulp_caption": "Errors of each witness against the high-precision reference, in ULPs (all identities, entries and reference points; log scale).",
        "col_abs": "max abs. error",
        "col_rel": "max rel. error",
        "col_ulp": "max ULP",
        "figure_caption": "Agreement over the sample points (up to the first 65,536): the largest difference between each pair "
        "of witnesses at each point, per identity (log scale). The bar is the tolerance; "
        "differences of exactly 0 are drawn at the bottom.",
        "sample_point": "Sample point 0",
        "proved": "proved",
        "refuted": "refuted",
        "undecided": "undecided",
        "skipped": "skipped",
        "entries": "entries",
        "forward_agree": "The three forward passes agree (largest difference {err}).",
        "forward_disagree": "THE FORWARD PASSES DISAGREE: {mismatch}.",
        "generic_f": "generic $f$",
        "generic_loss": r"generic $\ell(z_{LAYER})$",
        "skipped_size": "skipped (size)",
        "m_Delta": r"the per-example $\delta_l = \partial \ell_e / \partial z_l$ as columns",
        "m_ones": "a column of ones (sums over the examples)",
        "batch_convention_mean": "mini-batch of B = {B} examples as columns; the loss is the mean of the "
        "per-example losses, so every gradient carries 1/B",
        "batch_convention_sum": "mini-batch of B = {B} examples as columns; the loss is the sum of the "
        "per-example losses (no 1/B)",
        "stand_in": "the generic loss has no values: the numeric witnesses use {loss} in its place",
        "kinks_text": "{points} points have an input exactly on the kink of {activation}; there each witness "
        "follows its convention ({conventions}) and they agree up to convention (largest difference {err}); "
        "these points are reported, not counted as failures",
        "kink_point_note": "At the {points} kink points the witnesses differ by at most {err}, as their "
        "conventions allow.",
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
    },
    "ko": {
        "title": "역전파 공식의 세 가지 독립 검증",
        "subtitle": "강의 노트의 네 가지 그래디언트 공식을 SymPy로 증명하고 "
        "손으로 작성한 NumPy와 \\texttt{jax.grad}로 확인한다",
        "facts": "실행 정보",
        "date": "날짜",
        "network": "네트워크",
        "activation": "활성화 함수",
        "loss": "손실 함수",
        "convention": "규약",
        "seed": "난수 시드",
        "points": "표본 점",
        "dtype": "부동소수점",
        "tolerance": "허용 오차",
        "versions": "버전",
        "verdict_all": "모든 공식이 증명되었고 세 검증자가 모든 표본 점에서 일치한다.",
        "verdict_fail": "검사 실패: 증명되지 않은 공식이 있거나 검증자들이 일치하지 않는다.",
        "verdict_all_skipped": "SymPy의 예산이 허용하는 범위에서 모든 공식이 증명되었고, 실행된 모든 검증자가 모든 표본 점에서 일치한다.",
        "skipped_witness": "검증자 {witness}: 실행하지 않음, {why}.",
        "skipped_concrete": "네트워크의 활성화·손실 함수로 하는 증명: 생략, {why}. 일반 증명과 수치 비교는 유효하다.",
        "the_network": "네트워크",
        "network_caption": "공식이 다루는 층 경계: $l$번째 층은 $z_{l+1} = W_l a_l + b_l$ 로 "
        "$l+1$번째 층에 연결되고, 각 뉴런은 $a = f(z)$ 를 적용한다.",
        "notation": "기호",
        "symbol": "기호",
        "meaning": "의미",
        "shape": "크기",
        "m_a": "$l$번째 층의 뉴런 값, $a_l = f(z_l)$",
        "m_z": "linear 연산을 적용한 값, $z_{l+1} = W_l a_l + b_l$",
        "m_W": "$l$번째 층에서 $l+1$번째 층으로 가는 weight matrix (행: 다음 층)",
        "m_b": "$l+1$번째 층의 bias",
        "m_delta": r"$\delta_l = \partial L / \partial z_l$",
        "m_circ": "성분별 곱 (Hadamard product)",
        "grad_shape": "그래디언트는 변수와 같은 크기를 갖는다: "
        r"$\left[\partial L/\partial W\right]_{ij} = \partial L/\partial w_{ij}$.",
        "forward": "순전파",
        "method": "검증 방법",
        "method_text": (
            "미분 코드를 공유하지 않는 세 검증자를 사용한다. "
            r"\textbf{SymPy}는 모든 성분($w_{ij}$, $a_{1j}$, $z_{1j}$, $b_{1i}$)을 기호로 두고 순전파를 "
            r"쓴 뒤, 모든 성분에 대해 손실을 미분하고 \emph{미분 결과 $-$ 공식}이 정확히 0임을 보인다. "
            r"한 번은 정의되지 않은 활성화 함수 $f$와 손실 $\ell(z_L)$로 증명하여 모든 활성화 함수와 "
            r"손실 함수에 대해 한꺼번에 성립함을 보이고, 한 번은 이번 실행의 구체적인 함수로 증명한다. "
            r"\textbf{NumPy}는 사람이 손으로 코딩하듯 공식을 계산한다. "
            r"\textbf{JAX}는 \texttt{jax.numpy}로 쓴 순전파를 \texttt{jax.grad}로 미분하며 공식을 "
            "전혀 보지 않는 기준(oracle)이다. 먼저 순전파 값을 비교하고, 그다음 모든 표본 점에서 "
            "모든 그래디언트의 모든 성분을 위의 허용 오차로 비교한다."
        ),
        "statement": "강의 노트의 공식",
        "entrywise": "성분별 공식",
        "derivation": "SymPy가 성분별로 구한 미분 (SCOPE)",
        "assembled": "공식을 행렬로 모은 결과",
        "matrix_too_big": "행렬 성분이 {rows}×{cols}개이므로 출력하지 않고 성분별로만 검사한다.",
        "symbolic": "기호 검증 결과",
        "scope_generic": "일반 $f$, 일반 $\\ell(z_L)$",
        "numeric": "수치 검증",
        "numeric_text": "표본 점 0에서 세 검증자의 값과, 전체 {points}개 점에서 두 검증자 사이의 최대 차이.",
        "entry": "성분",
        "max_diff": "최대 $|\\Delta|$",
        "max_over_points": "전체 점에서의 최대 차이",
        "witness_failed": "값을 내지 못함",
        "disagreement": "불일치",
        "disagreement_text": "점 {point}, 성분 {entry}; 어긋난 검증자: {blamed}",
        "counterexample": "반례",
        "counterexample_text": "성분 {entry}에서 공식은 {claimed}, SymPy의 미분은 {derived}; 이때",
        "summary": "요약",
        "claims_title": "사용자의 주장",
        "claims_intro": "derivcheck가 {source}에서 주장 {count}개를 읽었다. 각 주장은 증명됨(SymPy가 증명하고 jax.grad가 표본 점 {points}개 모두에서 일치, 시드 {seed}), 반증됨(반례 포함), 크기 오류, 미결정, 또는 해석 불가 중 하나이다.",
        "claims_where": "{line}행",
        "claims_layer": "l = {layer}",
        "claims_probably": "추정 원인",
        "claims_counterexample": "표본 점 {point}에서의 반례",
        "claims_entry": "성분",
        "claims_claimed": "주장 값",
        "claims_true": "참값",
        "claims_forward": "문서의 순전파 식: {summary}.",
        "claims_verdict_fail": "증명되지 않은 주장이 있다: 사용자의 주장 절을 보라.",
        "identity": "공식",
        "generic": "일반",
        "passed": "통과",
        "yes": "예",
        "no": "아니오",
        "precision": "고정밀 기준값과의 비교",
        "precision_text": "순전파를 SymPy가 직접 미분한 결과(공식이 아님)를 {library} 라이브러리로 유효숫자 {digits}자리 이상의 정밀도로 {subset}에서 계산했다. 각 검증자의 오차를 모든 성분과 점에 걸친 최대 절대 오차, 상대 오차, 참값에서의 {dtype} ULP 단위 오차로 나타낸다. 상쇄로 작아진 성분은 기울기에 비해 아주 작은 오차도 ULP로는 크게 보이므로, 허용 오차는 기울기의 크기를 기준으로 정한다.",
        "precision_skipped": "이 신경망에는 고정밀 기준값이 없다: {why}.",
        "subset_all": "표본 점 {points}개 전체",
        "subset_first": "표본 점 {total}개 중 처음 {points}개",
        "budget": "오차 예산에서 정한 허용 오차",
        "budget_text": "한 검증자가 한 성분에서 내는 반올림 오차는 최대 $K \\varepsilon n s$이다. $\\varepsilon$은 {dtype}의 기계 엡실론, $n$은 역전파가 그 성분까지 더하는 항의 수($B$와 뒤쪽 층 너비의 합), $s = \\max(1, \\max_{{\\mathrm{{entries}}}} |y|)$는 그 점에서 값의 크기, $K = {K}$는 한 항이 지니는 반올림 오차의 수이다. 두 검증자는 그 두 배로 비교한다. 이번 실행에서 두 검증자 사이의 최대 차이는 허용 오차의 {used}였다.",
        "ulp_caption": "고정밀 기준값에 대한 각 검증자의 오차(ULP 단위; 모든 공식, 성분, 기준 점; 로그 눈금).",
        "col_abs": "최대 절대 오차",
        "col_rel": "최대 상대 오차",
        "col_ulp": "최대 ULP",
        "figure_caption": "표본 점(처음 65,536개까지)에서의 일치: 공식별로 각 점에서 두 검증자 사이의 최대 차이 "
        "(로그 눈금). 막대는 허용 오차이며, 정확히 0인 차이는 맨 아래에 그렸다.",
        "sample_point": "표본 점 0",
        "proved": "증명됨",
        "refuted": "반증됨",
        "undecided": "미결정",
        "skipped": "생략",
        "entries": "성분",
        "forward_agree": "세 순전파 값이 일치한다 (최대 차이 {err}).",
        "forward_disagree": "순전파 값이 일치하지 않는다: {mismatch}.",
        "generic_f": "일반 $f$",
        "generic_loss": r"일반 $\ell(z_{LAYER})$",
        "skipped_size": "생략 (크기)",
        "m_Delta": r"예제별 $\delta_l = \partial \ell_e / \partial z_l$ 을 열로 모은 행렬",
        "m_ones": "1로 된 열벡터 (예제에 대한 합)",
        "batch_convention_mean": "B = {B}개 예제를 열로 둔 미니배치; 손실은 예제별 손실의 평균이므로 "
        "모든 그래디언트에 1/B가 붙는다",
        "batch_convention_sum": "B = {B}개 예제를 열로 둔 미니배치; 손실은 예제별 손실의 합 (1/B 없음)",
        "stand_in": "일반 손실 함수는 값이 없으므로 수치 검증자는 대신 {loss}를 사용한다",
        "kinks_text": "{points}개 점에서 입력이 {activation}의 꺾인 점에 정확히 놓인다; 그곳에서 각 검증자는 "
        "자신의 규약을 따르며 ({conventions}) 규약의 차이만큼만 다르다 (최대 차이 {err}); 이 점들은 실패로 "
        "세지 않고 보고한다",
        "kink_point_note": "꺾인 점 {points}개에서 검증자들은 규약이 허용하는 만큼, 최대 {err} 다르다.",
        "slices": "층별 증명",
        "slices_text": r"층이 셋 이상인 네트워크에서 $l$번째 층 공식의 일반 증명은 $l$, $l+1$번째 층을 정의되지 "
        r"않은 $\ell(z_{l+1})$와 함께 미분한다: 이후의 층과 손실 함수가 무엇이든 $L$은 $z_{l+1}$의 함수이므로 "
        r"이 증명이 모두를 포함한다. 구체적인 활성화·손실 함수를 쓰는 증명은 네트워크 전체를 미분한다.",
        "dimension_free": "모든 크기에 대해 한 번에",
        "dimension_free_text": r"크기를 기호 $n \to m$으로 두고, 첨자 표기, 일반 $f$, 출력에 대한 합 꼴의 손실 "
        r"$L = \sum_{i=1}^{m} \ell(z_{2,i})$로 SymPy가 한 성분에 대해 미분하고 크로네커 델타 합을 직접 "
        r"계산한다 ($1 \le p \le m$, $1 \le q \le n$). 여기서 $\delta_{2,p} = \ell'(z_{2,p})$이다:",
        "dimension_free_limit": r"이 형태가 다루지 못하는 것: 출력에 대한 합으로 나뉘지 않는 손실(softmax "
        r"cross-entropy 등)이나, 깊은 네트워크에서 앞 층이 보는 뒤쪽 층들. 이 경우에는 아래 절들의, 일반 "
        r"$\ell(z_2)$를 쓰는 정확한 크기의 증명이 근거이다.",
    },
}


# translations of the loss registry's conventions (English comes from the registry itself)
LOSS_CONVENTIONS: dict[str, dict[str, str]] = {
    "ko": {
        "mse": "오차 제곱에 1/2을 곱한 값; 마지막 층의 출력 활성화 $f(z)$에 적용 (은닉층과 같은 $f$)",
        "softmax-ce": "마지막 층의 $z$를 logit으로 하는 softmax cross-entropy (출력 활성화 없음), "
        "one-hot 목표 $y$",
    },
}


def strings(lang: str) -> dict[str, str]:
    try:
        return STRINGS[lang]
    except KeyError:
        raise choose_one("lang", lang, LANGUAGES) from None
