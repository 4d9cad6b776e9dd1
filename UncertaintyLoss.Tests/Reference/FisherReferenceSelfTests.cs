using MathNet.Numerics.LinearAlgebra;

namespace UncertaintyLoss.Tests.Reference;

/// <summary><see cref="DirichletReference.FisherEvidential"/> checked against what it is written from.</summary>
[TestFixture]
public sealed class FisherReferenceSelfTests
{
    private static IEnumerable<TestCaseData> Rows()
    {
        yield return new TestCaseData(new[] { 0.0, 0.0 }, 0);
        yield return new TestCaseData(new[] { 3.0, 0.5, 12.0 }, 2);
        yield return new TestCaseData(new[] { 0.01, 40.0, 2.5, 7.0, 0.0 }, 1);
        yield return new TestCaseData(new[] { 250.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 }, 0);
    }

    /// <summary>
    /// The Dirichlet's Fisher information is I(α) = diag(ψ₁(α_j)) − ψ₁(S)·11ᵀ; the reference's log-determinant, recovered
    /// from c = 1 minus c = 0, equals ln det I(α) from MathNet's LU determinant of that matrix.
    /// </summary>
    [TestCaseSource(nameof(Rows))]
    public void LogDeterminant_IsTheLogOfTheFisherMatrixDeterminant(double[] e, int c)
    {
        var y = DirichletReference.OneHot(c, e.Length);
        double logDet = DirichletReference.FisherEvidential(e, y, 0.0) - DirichletReference.FisherEvidential(e, y, 1.0);
        int k = e.Length;
        double s = e.Sum() + k;
        var fisher = Matrix<double>.Build.Dense(k, k, (i, j) => (i == j ? Trigamma.Value(e[i] + 1) : 0.0) - Trigamma.Value(s));
        Assert.That(logDet, Is.EqualTo(Math.Log(fisher.Determinant())).Within(1e-12 * Math.Max(1.0, Math.Abs(logDet))));
    }

    /// <summary>With c = 0 the loss is Σ_j ψ₁(α_j)·(EDL's squared-error terms): where every α_j is equal, that is ψ₁(α) times
    /// <see cref="DirichletReference.DirichletMse"/>.</summary>
    [TestCaseSource(nameof(Rows))]
    public void EqualTrigammaWeights_GiveTrigammaTimesEdlSquaredError(double[] e, int c)
    {
        var flat = Enumerable.Repeat(e[0], e.Length).ToArray();
        var y = DirichletReference.OneHot(c, e.Length);
        double expected = Trigamma.Value(flat[0] + 1) * DirichletReference.DirichletMse(flat, y);
        Assert.That(DirichletReference.FisherEvidential(flat, y, 0.0), Is.EqualTo(expected).Within(1e-14 * expected));
    }
}
