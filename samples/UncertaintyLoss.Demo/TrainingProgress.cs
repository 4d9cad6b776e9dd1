using System;
using System.Collections.Generic;
using System.Linq;
using Spectre.Console;

namespace UncertaintyLoss.Demo;

/// <summary>One training step (synthetic) or mini-batch (Fashion-MNIST) of one model.</summary>
/// <param name="Model">Index of the model (0 cross-entropy, 1 evidential, 2 max-norm).</param>
/// <param name="Kind">Its loss.</param>
/// <param name="Step">Steps done so far in this run.</param>
/// <param name="TotalSteps">Steps this run will take.</param>
/// <param name="Loss">The loss of this step.</param>
/// <param name="RegFactor">The regulariser weight λ used in this step (0 for cross-entropy).</param>
public sealed record TrainingProgress(int Model, LossKind Kind, long Step, long TotalSteps, double Loss, double RegFactor)
{
    /// <summary>Current epoch (1-based) for Fashion-MNIST; null for the full-batch synthetic run.</summary>
    public int? Epoch { get; init; }

    /// <summary>Epochs of this run for Fashion-MNIST; null for the synthetic run.</summary>
    public int? Epochs { get; init; }
}

/// <summary>
/// Spectre.Console progress bars for training, one task per model. Used only on an interactive ANSI terminal; when the
/// output is redirected (CI, tests, <c>| tee</c>) the callers keep their plain line output.
/// </summary>
public static class TrainingProgressDisplay
{
    /// <summary>Whether <paramref name="console"/> is an interactive terminal that can show live progress bars.</summary>
    public static bool IsInteractive(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var capabilities = console.Profile.Capabilities;
        return capabilities.Interactive && capabilities.Ansi && !Console.IsOutputRedirected;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a progress callback that drives one bar per entry of <paramref name="models"/>,
    /// showing the current loss and λ in the task's description.
    /// </summary>
    public static T Run<T>(IAnsiConsole console, IReadOnlyList<string> models, Func<Action<TrainingProgress>, T> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(work);
        int width = models.Max(m => m.Length);
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var tasks = models.Select(m => context.AddTask(Markup.Escape(m.PadRight(width) + "  waiting"), autoStart: false, maxValue: 1)).ToArray();
                var result = work(p =>
                {
                    foreach (var earlier in tasks.Take(p.Model).Where(t => t.IsStarted && !t.IsFinished))
                    {
                        earlier.Value = earlier.MaxValue;
                        earlier.StopTask(); // that model is done (its evaluation runs before the next one trains)
                    }

                    var task = tasks[p.Model];
                    if (!task.IsStarted)
                    {
                        task.StartTask();
                    }

                    task.MaxValue = Math.Max(1, p.TotalSteps);
                    task.Value = p.Step;
                    string epoch = p.Epoch is null ? "" : $"epoch {p.Epoch}/{p.Epochs}  ";
                    task.Description = Markup.Escape(
                        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{models[p.Model].PadRight(width)}  {epoch}loss {p.Loss:F4}  λ {p.RegFactor:F2}"));
                    if (p.Step >= p.TotalSteps)
                    {
                        task.StopTask();
                    }
                });
                foreach (var task in tasks.Where(t => !t.IsFinished))
                {
                    if (!task.IsStarted)
                    {
                        task.StartTask(); // no steps, e.g. --epochs 0
                    }

                    task.Value = task.MaxValue;
                    task.StopTask();
                }

                return result;
            });
    }
}
