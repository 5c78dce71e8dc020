using Spectre.Console;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Samples;

/// <summary>Training with a progress bar per epoch, then a table of the epochs: what every training sample shows.</summary>
public static class TrainingConsole
{
    /// <summary>Runs <see cref="FitLoop"/> for <paramref name="epochs"/> epochs with progress bars, prints the epoch table, and returns the epochs' results.</summary>
    public static List<EpochResult> Fit(Block net, Loss loss, Trainer trainer, Sprout.Data.DataLoader trainLoader, Sprout.Data.DataLoader testLoader, int epochs)
    {
        var results = new List<EpochResult>();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? bar = null;
                FitLoop.Run(net, loss, trainer, trainLoader, testLoader, epochs, new SyncProgress<FitProgress>(p =>
                {
                    if (p.Completed is { } r)
                    {
                        results.Add(r);
                        bar!.Description = $"epoch {r.Epoch,2}: loss {r.TrainLoss:F4}, train acc {r.TrainAccuracy:F3}, test acc {r.TestAccuracy:F3}, {r.Elapsed.TotalSeconds:F1} s";
                        bar.StopTask();
                        return;
                    }
                    if (p.Batch == 1) bar = ctx.AddTask($"epoch {p.Epoch,2}", maxValue: p.Batches);
                    bar!.Value = p.Batch;
                }));
            });
        var table = new Table().AddColumns("epoch", "train loss", "train acc", "test acc", "seconds");
        foreach (var r in results)
            table.AddRow($"{r.Epoch}", $"{r.TrainLoss:F4}", $"{r.TrainAccuracy:F4}", $"{r.TestAccuracy:F4}", $"{r.Elapsed.TotalSeconds:F2}");
        AnsiConsole.Write(table);
        return results;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
