using System.Reflection;

namespace UncertaintyLoss.Tests.Validation;

/// <summary>
/// The argument-order and naming rules of docs/conventions.md ("Argument order", "Names"), held by reflection over every
/// public and protected signature of the library, so that a new function or module cannot break them unnoticed
/// (issue 17 settled them before the 0.1.0 API baseline).
/// </summary>
[TestFixture]
public sealed class ApiConventionTests
{
    private static readonly Assembly Library = typeof(UL).Assembly;

    private static IEnumerable<MethodBase> Signatures() =>
        Library.GetExportedTypes().SelectMany(t =>
            t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && !m.IsSpecialName)
                .Cast<MethodBase>()
                .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                    .Where(c => c.IsPublic || c.IsFamily || c.IsFamilyOrAssembly)));

    private static string Describe(MethodBase m) =>
        $"{m.DeclaringType!.Name}.{(m is ConstructorInfo ? m.DeclaringType!.Name : m.Name)}({string.Join(", ", m.GetParameters().Select(p => p.Name))})";

    private static bool IsTensor(ParameterInfo p) => p.ParameterType == typeof(Tensor);

    /// <summary>Rule 1: every required tensor argument comes before the target (or binary label). Optional tensors
    /// (weight, a conformal scale, degrees of freedom) are options and come after it, as C# wants optional parameters last.</summary>
    [Test]
    public void EverySignature_TargetComesAfterEveryRequiredTensor()
    {
        var checkedCount = 0;
        var violations = new List<string>();
        foreach (var m in Signatures())
        {
            var ps = m.GetParameters();
            int target = Array.FindIndex(ps, p => IsTensor(p) && p.Name is "target" or "label");
            if (target < 0)
                continue;
            checkedCount++;
            if (ps.Skip(target + 1).Any(p => IsTensor(p) && !p.IsOptional))
                violations.Add(Describe(m));
        }

        Assert.That(checkedCount, Is.GreaterThan(40), "the rule found the library's losses and metrics");
        Assert.That(violations, Is.Empty);
    }

    /// <summary>The two regression losses, whose order issue 17 changed, and the Capsa exception, which it kept.</summary>
    [Test]
    public void RegressionLosses_PredictionsThenTarget_SculptKeepsCapsasOrder()
    {
        static string[] Names(string type, string method) =>
            Library.GetType(type)!.GetMethods().Single(m => m.Name == method).GetParameters().Select(p => p.Name!).ToArray();

        Assert.That(Names("UncertaintyLoss.UL", nameof(UL.BetaNll)), Is.EqualTo(new[] { "mean", "variance", "target", "beta", "reduction" }));
        Assert.That(Names("UncertaintyLoss.UL", nameof(UL.EvidentialRegressionLoss)),
            Is.EqualTo(new[] { "gamma", "nu", "alpha", "beta", "target", "regFactor", "reduction" }));
        Assert.That(Names("UncertaintyLoss.ISculptDistribution", nameof(ISculptDistribution.LossFunction)),
            Is.EqualTo(new[] { "y", "yHat", "yRisk", "reduction" }));
    }

    /// <summary>Rule 2: after the tensors, numbers; then reduction; then weight and ignoreIndex; then variant options (for
    /// the …WithLogits functions, the last two are activation and clamp, as in the modules).</summary>
    [Test]
    public void EveryLoss_OptionsAreNumbersReductionWeightIgnoreIndexThenVariants()
    {
        var checkedCount = 0;
        var violations = new List<string>();
        foreach (var m in Signatures().OfType<MethodInfo>())
        {
            var ps = m.GetParameters();
            int reduction = Array.FindIndex(ps, p => p.ParameterType == typeof(nn.Reduction));
            if (reduction < 0)
                continue;
            checkedCount++;
            int firstOption = Array.FindLastIndex(ps, reduction, p => IsTensor(p) && !p.IsOptional) + 1;
            bool numbersBefore = ps[firstOption..reduction].All(p => p.ParameterType == typeof(double) || p.ParameterType == typeof(int));
            var after = ps[(reduction + 1)..];
            int k = 0;
            if (k < after.Length && after[k].Name == "weight")
                k++;
            if (k < after.Length && after[k].Name == "ignoreIndex")
                k++;
            // The …WithLogits functions end as the modules do: activation, then clamp (rule 3).
            var variants = after[k..];
            if (variants.Length >= 2 && variants[^2].Name == "activation" && variants[^1].Name == "clamp" && variants[^1].ParameterType == typeof(double))
                variants = variants[..^1];
            bool variantsLast = variants.All(p => p.ParameterType.IsEnum || p.ParameterType == typeof(long));
            bool weightPairOrNone = after.Any(p => p.Name == "weight") == after.Any(p => p.Name == "ignoreIndex");
            if (!numbersBefore || !variantsLast || !weightPairOrNone)
                violations.Add(Describe(m));
        }

        Assert.That(checkedCount, Is.GreaterThan(15), "the rule found the library's losses");
        Assert.That(violations, Is.Empty);
    }

    public static IEnumerable<TestCaseData> Modules() =>
        Library.GetExportedTypes()
            .Where(t => t.IsSubclassOf(typeof(DirichletLossModule)) && !t.IsAbstract)
            .Select(t => new TestCaseData(t).SetArgDisplayNames(t.Name));

    /// <summary>Rule 3: a module takes its function's options in the function's order (same names, same types), then
    /// activation, schedule (where there is a λ) and clamp.</summary>
    [TestCaseSource(nameof(Modules))]
    public void EveryModule_TakesItsFunctionsOptionsInOrder_ThenActivationScheduleClamp(Type module)
    {
        string function = module.Name[..^"Module".Length];
        var f = typeof(UL).GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == function);
        var options = f.GetParameters().Skip(2).Select(p => (p.Name, p.ParameterType)).ToList();
        Assert.That(f.GetParameters().Take(2).All(IsTensor), Is.True, $"UL.{function} starts with two tensors");

        // A module's regFactor may be double? (null, the default: the paper's schedule; see ModuleDefaultRecipeTests).
        var ctor = module.GetConstructors().Single().GetParameters()
            .Select(p => (p.Name, p.Name == "regFactor" && p.ParameterType == typeof(double?) ? typeof(double) : p.ParameterType)).ToList();
        var own = new List<(string?, Type)> { ("activation", typeof(EvidenceActivation)) };
        if (options.Any(o => o.Name == "regFactor"))
            own.Add(("schedule", typeof(IRegFactorSchedule)));
        own.Add(("clamp", typeof(double)));
        Assert.That(ctor, Is.EqualTo(options.Concat(own).ToList()));
    }

    /// <summary>Names: one <c>clamp</c> (no <c>expClamp</c>), and no member named <c>RegFactor</c> but the factory class, so
    /// that a derived module can write <c>RegFactor.Linear(100)</c>.</summary>
    [Test]
    public void Names_OneClampAndNoMemberHidingTheRegFactorClass()
    {
        var clampNames = Signatures().SelectMany(m => m.GetParameters()).Select(p => p.Name!)
            .Where(n => n.Contains("clamp", StringComparison.OrdinalIgnoreCase)).Distinct().ToArray();
        Assert.That(clampNames, Is.EqualTo(new[] { "clamp" }));

        var members = Library.GetExportedTypes()
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(x => x.Name == "RegFactor" && x is PropertyInfo or FieldInfo or MethodInfo)
                .Select(x => $"{t.Name}.{x.Name}"))
            .ToArray();
        Assert.That(members, Is.Empty);
        Assert.That(typeof(DirichletLossModule).GetProperty(nameof(DirichletLossModule.ConstantRegFactor))!.CanWrite, Is.True);
        Assert.That(typeof(DirichletLossModule).GetProperty(nameof(DirichletLossModule.Clamp)), Is.Not.Null);
    }
}
