namespace UncertaintyLoss.Tests.SculptTests;

/// <summary>Input variants that take different paths (dtype conversion, broadcasting, autograd).</summary>
public enum SculptInputKind
{
    Float32,
    Float64RequiresGrad,
    MixedDtypeBroadcastRequiresGrad,
    Float16,
}

/// <summary>
/// Leak checks with <see cref="DisposeScopeManager.Statistics"/> (the thread's live-tensor count, exact in TorchSharp
/// 0.107): every public method leaves exactly its result(s) alive, none once they are disposed, and its inputs valid,
/// unchanged and without gradients.
/// </summary>
[TestFixture]
public sealed class SculptMemoryTests
{
    private static IEnumerable<TestCaseData> Cases() =>
        from family in Enum.GetValues<Family>()
        from op in SculptOperation.All
        from kind in Enum.GetValues<SculptInputKind>()
        select new TestCaseData(family, op.Name, kind).SetArgDisplayNames(family.ToString(), op.Name, kind.ToString());

    /// <summary>Three inputs created outside any scope (so they are counted as live before the call).</summary>
    private static (Tensor Y, Tensor YHat, Tensor YRisk) Inputs(SculptInputKind kind)
    {
        var y = new[] { 0.5, -1.0, 2.0, 3.5 };
        var h = new[] { 0.0, 0.5, 1.0, -1.0, 2.0, 3.0, 0.25, 0.75, 1.25, -2.0, 4.0, 1.0 };
        var r = new[] { 1.0, 0.5, 2.0, 3.0 };
        return kind switch
        {
            SculptInputKind.Float32 => (Tensors.FromDoubles(y, new long[] { 4 }, ScalarType.Float32), Tensors.FromDoubles(h.Take(4).ToArray(), new long[] { 4 }, ScalarType.Float32),
                Tensors.FromDoubles(r, new long[] { 4 }, ScalarType.Float32)),
            SculptInputKind.Float64RequiresGrad => (Tensors.FromDoubles(y, new long[] { 4 }), Tensors.FromDoubles(h.Take(4).ToArray(), new long[] { 4 }).requires_grad_(),
                Tensors.FromDoubles(r, new long[] { 4 }).requires_grad_()),
            SculptInputKind.MixedDtypeBroadcastRequiresGrad => (Tensors.FromDoubles(y, new long[] { 4, 1 }, ScalarType.Float32), Tensors.FromDoubles(h, new long[] { 4, 3 }).requires_grad_(),
                Tensors.FromDoubles(new[] { 1.5 }, new long[] { 1 }, ScalarType.Float32).requires_grad_()),
            SculptInputKind.Float16 => (Tensors.FromDoubles(y, new long[] { 4 }, ScalarType.Float16), Tensors.FromDoubles(h.Take(4).ToArray(), new long[] { 4 }, ScalarType.Float16),
                Tensors.FromDoubles(r, new long[] { 4 }, ScalarType.Float16)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [TestCaseSource(nameof(Cases))]
    public void AllMethods_AnyInputs_LeaveOnlyTheirResultsAlive(Family family, string opName, SculptInputKind kind)
    {
        var operation = SculptOperation.All.Single(o => o.Name == opName);
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        var (y, yHat, yRisk) = Inputs(kind);
        var inputs = new[] { y, yHat, yRisk };
        try
        {
            var before = inputs.Select(Tensors.ToDoubles).ToArray();
            var requiresGrad = inputs.Select(t => t.requires_grad).ToArray();
            long live = SculptChecks.Live;
            var results = operation.Call(d, y, yHat, yRisk);
            Assert.That(results, Has.Length.EqualTo(operation.Results));
            Assert.That(SculptChecks.Live, Is.EqualTo(live + operation.Results), "only the result(s) may be left alive by the call");
            foreach (var r in results)
                r.Dispose();
            Assert.That(SculptChecks.Live, Is.EqualTo(live), "a tensor created by the call outlives it");
            for (int i = 0; i < 3; i++)
            {
                Assert.That(inputs[i].IsInvalid, Is.False);
                Assert.That(Tensors.ToDoubles(inputs[i]), Is.EqualTo(before[i]), $"input {i} changed");
                Assert.That(inputs[i].requires_grad, Is.EqualTo(requiresGrad[i]));
                Assert.That(inputs[i].grad, Is.Null, $"input {i} got a gradient");
            }
        }
        finally
        {
            foreach (var t in inputs)
                t.Dispose();
            Subject.Release(d);
        }
    }

    /// <summary>A call rejected by the value check (yRisk ≤ 0, after its host synchronisation) leaves nothing alive.</summary>
    [TestCaseSource(typeof(SculptMemoryTests), nameof(FamilyOperations))]
    public void AllMethods_RejectedRisk_LeaveNothingAlive(Family family, string opName)
    {
        var operation = SculptOperation.All.Single(o => o.Name == opName);
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        var y = tensor(new[] { 1.0, 2.0 });
        var yHat = tensor(new[] { 0.0, 0.0 });
        var yRisk = tensor(new[] { 1.0, -1.0 });
        try
        {
            long live = SculptChecks.Live;
            Assert.Throws<ArgumentException>(() => operation.Call(d, y, yHat, yRisk));
            Assert.That(SculptChecks.Live, Is.EqualTo(live));
        }
        finally
        {
            y.Dispose();
            yHat.Dispose();
            yRisk.Dispose();
            Subject.Release(d);
        }
    }

    private static IEnumerable<TestCaseData> FamilyOperations() =>
        from family in Enum.GetValues<Family>()
        from op in SculptOperation.All
        select new TestCaseData(family, op.Name).SetArgDisplayNames(family.ToString(), op.Name);

    [TestCase(ScalarType.Float32, false)]
    [TestCase(ScalarType.Float64, true)]
    [TestCase(ScalarType.Float16, false)]
    public void Scale_AnyInput_LeavesOnlyItsResultAlive(ScalarType dtype, bool requiresGrad)
    {
        var raw = Tensors.FromDoubles(new[] { -3.0, 0.0, 2.0, 50.0 }, new long[] { 2, 2 }, dtype).requires_grad_(requiresGrad);
        try
        {
            var before = Tensors.ToDoubles(raw);
            long live = SculptChecks.Live;
            var result = Sculpt.Scale(raw, 1e-4);
            Assert.That(SculptChecks.Live, Is.EqualTo(live + 1));
            Assert.That(result.requires_grad, Is.EqualTo(requiresGrad));
            result.Dispose();
            Assert.That(SculptChecks.Live, Is.EqualTo(live));
            Assert.That(Tensors.ToDoubles(raw), Is.EqualTo(before));
            Assert.That(raw.grad, Is.Null);
        }
        finally
        {
            raw.Dispose();
        }
    }

    /// <summary>A learned Student-t owns exactly one tensor (RawNu); a fixed one owns none; reading Nu allocates nothing lasting.</summary>
    [Test]
    public void StudentT_ConstructionAndNu_OwnOnlyRawNu()
    {
        long live = SculptChecks.Live;
        var fixedT = Sculpt.StudentT(5);
        _ = fixedT.Nu;
        Assert.That(SculptChecks.Live, Is.EqualTo(live), "a fixed Student-t holds no tensor");

        var learned = Sculpt.LearnedStudentT(5);
        Assert.That(SculptChecks.Live, Is.EqualTo(live + 1), "a learned Student-t holds RawNu only");
        _ = learned.Nu;
        _ = learned.Name;
        Assert.That(SculptChecks.Live, Is.EqualTo(live + 1), "reading Nu leaves nothing alive");
        learned.RawNu!.Dispose();
        Assert.That(SculptChecks.Live, Is.EqualTo(live));
    }

    /// <summary>Inside a dispose scope the results belong to the scope: disposing it frees everything.</summary>
    [Test]
    public void AllMethods_InsideScope_ScopeDisposesResults()
    {
        var d = Sculpt.LearnedStudentT(3);
        try
        {
            long live = SculptChecks.Live;
            using (var scope = NewDisposeScope())
            {
                var y = tensor(new[] { 1.0, 2.0 });
                var yHat = tensor(new[] { 0.0, 0.5 }).requires_grad_();
                var yRisk = tensor(new[] { 1.0, 2.0 }).requires_grad_();
                using var generator = new Generator(3);
                foreach (var op in SculptOperation.All)
                    op.Call(d, y, yHat, yRisk);
                d.LossFunction(y, yHat, yRisk).backward();
                _ = Sculpt.Scale(y);
            }

            Assert.That(SculptChecks.Live, Is.EqualTo(live));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }
}
