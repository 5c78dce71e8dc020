using Spectre.Console;
using Sprout.Training;

namespace Sprout.Samples;

/// <summary>The curves PNG of the training samples: loss on the left axis, accuracy on the right (or a language model's perplexity), whole epochs along the bottom.</summary>
public static class TrainingCurves
{
    /// <summary>Draws train loss, train accuracy and test accuracy of <paramref name="results"/> to <paramref name="path"/> and says so.</summary>
    public static void Save(IReadOnlyList<EpochResult> results, string path, int width = 640, int height = 420)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = [.. results.Select(r => (double)r.Epoch)];
        plot.Add.Scatter(xs, results.Select(r => r.TrainLoss).ToArray()).LegendText = "train loss (left)";
        var trainAcc = plot.Add.Scatter(xs, results.Select(r => r.TrainAccuracy).ToArray());
        trainAcc.LegendText = "train accuracy (right)";
        trainAcc.Axes.YAxis = plot.Axes.Right;
        var testAcc = plot.Add.Scatter(xs, results.Select(r => r.TestAccuracy).ToArray());
        testAcc.LegendText = "test accuracy (right)";
        testAcc.Axes.YAxis = plot.Axes.Right;
        Finish(plot, results, path, width, height);
    }

    /// <summary>Whole-epoch ticks, axis labels and the legend of <paramref name="plot"/>, then writes it to <paramref name="path"/>.</summary>
    public static void Finish(ScottPlot.Plot plot, IReadOnlyList<EpochResult> epochs, string path, int width, int height) =>
        Finish(plot, [.. epochs.Select(r => r.Epoch)], "loss", "accuracy", path, width, height);

    /// <summary>A language model's perplexity by epoch to <paramref name="path"/> (the book's curve), and says so.</summary>
    public static void SavePerplexity(IReadOnlyList<(int Epoch, double Perplexity)> epochs, string path, int width = 640, int height = 420)
    {
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(epochs.Select(e => (double)e.Epoch).ToArray(), epochs.Select(e => e.Perplexity).ToArray()).LegendText = "train perplexity";
        Finish(plot, [.. epochs.Select(e => e.Epoch)], "perplexity", null, path, width, height);
    }

    private static void Finish(ScottPlot.Plot plot, int[] epochs, string left, string? right, string path, int width, int height)
    {
        var epochTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int epoch in epochs) epochTicks.AddMajor(epoch, $"{epoch}");
        plot.Axes.Bottom.TickGenerator = epochTicks;
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = left;
        if (right is not null) plot.Axes.Right.Label.Text = right;
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, width, height);
        AnsiConsole.MarkupLine($"Curves written to [bold]{path}[/]");
    }
}
