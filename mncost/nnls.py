"""Non-negative least squares in pure Python: minimise ‖A·x − b‖² subject to x ≥ 0 (`nnls`), and
non-negative least absolute deviations, Σ|A·x − b| subject to x ≥ 0, on top of it (`nnlad`).

Lawson and Hanson's active-set algorithm ("Solving Least Squares Problems", 1974, chapter 23):
start with every variable held at 0; repeatedly free the variable whose gradient most wants to
grow, solve the unconstrained problem on the free set, and step back towards the previous point
whenever that solution leaves the feasible region. The sub-problems are solved through the normal
equations by Gaussian elimination with partial pivoting, which is exact enough for the handful of
well-scaled columns that a latency profile has (columns are scaled to unit norm first).
"""

from __future__ import annotations

from collections.abc import Sequence

Matrix = Sequence[Sequence[float]]


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float] | None:
    """x with matrix·x = rhs (Gaussian elimination, partial pivoting); None when singular."""
    n = len(rhs)
    m = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            if factor:
                for c in range(col, n + 1):
                    m[r][c] -= factor * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def _least_squares(a: Matrix, b: Sequence[float], columns: list[int]) -> list[float] | None:
    """Unconstrained least squares on the given columns (normal equations)."""
    gram = [[sum(row[i] * row[j] for row in a) for j in columns] for i in columns]
    rhs = [sum(row[i] * y for row, y in zip(a, b, strict=True)) for i in columns]
    return _solve(gram, rhs)


def nnls(a: Matrix, b: Sequence[float], max_iterations: int = 200) -> list[float]:
    """The x ≥ 0 minimising ‖A·x − b‖₂ (Lawson–Hanson). A is a list of rows."""
    if not a:
        return []
    n = len(a[0])
    norms = [sum(row[j] ** 2 for row in a) ** 0.5 or 1.0 for j in range(n)]
    scaled = [[row[j] / norms[j] for j in range(n)] for row in a]
    x = [0.0] * n
    passive: list[int] = []
    dependent: set[int] = set()  # columns found linearly dependent on the free set: held at 0
    tolerance = 1e-10 * max(1.0, sum(abs(y) for y in b))
    for _ in range(max_iterations):
        residual = [y - sum(row[j] * x[j] for j in range(n)) for row, y in zip(scaled, b, strict=True)]
        gradient = [sum(row[j] * r for row, r in zip(scaled, residual, strict=True)) for j in range(n)]
        candidates = [j for j in range(n) if j not in passive and j not in dependent and gradient[j] > tolerance]
        if not candidates:
            break
        passive.append(max(candidates, key=lambda j: gradient[j]))
        while True:
            solution = _least_squares(scaled, b, sorted(passive))
            if solution is None:
                dependent.add(passive.pop())
                break
            z = dict(zip(sorted(passive), solution, strict=True))
            if all(v > 0 for v in z.values()):
                for j in range(n):
                    x[j] = z.get(j, 0.0)
                break
            step = min(x[j] / (x[j] - z[j]) for j in z if z[j] <= 0)
            for j in range(n):
                x[j] += step * (z.get(j, 0.0) - x[j])
            passive = [j for j in passive if x[j] > 1e-15]
            for j in range(n):
                if j not in passive:
                    x[j] = 0.0
    return [x[j] / norms[j] for j in range(n)]


def nnlad(a: Matrix, b: Sequence[float], iterations: int = 100, floor: float = 1e-3) -> list[float]:
    """The x ≥ 0 minimising Σ|A·x − b| (least absolute deviations), by iteratively reweighted
    non-negative least squares: start from the `nnls` solution, then repeatedly weight each row by
    1/√max(|residual|, floor) and solve again, so that the weighted squares approach the absolute
    values. `floor` (in the units of b) keeps a row that is fitted exactly from taking all the weight;
    iteration stops when x no longer moves (relative change below 1e-10) or after `iterations`
    rounds. Returns the best point seen, so the result is never worse, in Σ|A·x − b|, than the `nnls`
    solution.

    One poor row (a stale or mistyped measurement) pulls a least-squares fit towards itself in
    proportion to its residual squared, an absolute-deviation fit only in proportion to its sign."""
    if not a:
        return []

    def deviations(x: Sequence[float]) -> list[float]:
        return [abs(sum(r * v for r, v in zip(row, x, strict=True)) - y) for row, y in zip(a, b, strict=True)]

    x = nnls(a, b)
    residuals = deviations(x)
    best, best_value = x, sum(residuals)
    for _ in range(iterations):
        weights = [1.0 / max(r, floor) ** 0.5 for r in residuals]
        previous = x
        x = nnls([[r * w for r in row] for row, w in zip(a, weights, strict=True)],
                 [y * w for y, w in zip(b, weights, strict=True)])
        residuals = deviations(x)  # the objective's terms, and the next round's weights
        value = sum(residuals)
        if value < best_value:
            best, best_value = x, value
        if all(abs(u - v) <= 1e-10 * max(abs(u), abs(v)) for u, v in zip(x, previous, strict=True)):
            break
    return best
