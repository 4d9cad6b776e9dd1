using System.Collections.Generic;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# blocks of docs/training-loop.md, run for two epochs of the three-blob data.</summary>
[TestFixture]
public sealed class TrainingLoopDocSnippets
{
    [Test]
    public void FunctionalLoop_WithLinearSchedule_StepsOncePerBatch()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 31);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        List<(Tensor, Tensor)> batches = DocData.Batches(200, 32);
        int epochs = 2;

        #region training-loop-functional
        var schedule = RegFactor.Linear(steps: 1000);          // λ = min(1, t/1000), exactly 1 from step 1000 on
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var (x, y) in batches)
            {
                using var scope = torch.NewDisposeScope();
                var evidence = UL.ClampedExp(model.forward(x));
                var loss = UL.MaxNormLoss(evidence, y, regFactor: schedule.Value);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                schedule.Step();
            }
        }
        #endregion

        Assert.That(schedule.StepCount, Is.EqualTo(8));
        Assert.That(schedule.Value, Is.EqualTo(0.008).Within(1e-12));
    }

    [Test]
    public void ModuleLoop_WithLinearSchedule_StepsOncePerBatch()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 33);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        List<(Tensor, Tensor)> batches = DocData.Batches(200, 34);
        int epochs = 2;

        #region training-loop-module
        // before: var criterion = nn.CrossEntropyLoss();
        var criterion = new MaxNormLossModule(schedule: RegFactor.Linear(steps: 1000));
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var (x, y) in batches)
            {
                using var scope = torch.NewDisposeScope();
                var loss = criterion.forward(model.forward(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                criterion.StepSchedule();
            }
        }
        #endregion

        Assert.That(criterion.CurrentRegFactor, Is.EqualTo(0.008).Within(1e-12));
    }
    [Test]
    public void RedlPreset_WithTheModuleDefaults_TrainsTwoEpochs()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 35);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        List<(Tensor, Tensor)> batches = DocData.Batches(200, 36);

        #region training-loop-preset
        var criterion = new RelaxedEvidentialLossModule(schedule: RegFactor.Presets.Redl());   // λ = 0.1, softplus: the defaults
        #endregion
        for (int epoch = 0; epoch < 2; epoch++)
        {
            foreach (var (x, y) in batches)
            {
                using var scope = torch.NewDisposeScope();
                var loss = criterion.forward(model.forward(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }

            criterion.StepSchedule();
        }

        Assert.That(criterion.CurrentRegFactor, Is.EqualTo(0.2).Within(1e-15));
        Assert.That(criterion.PriorWeight, Is.EqualTo(0.1));
    }
}
