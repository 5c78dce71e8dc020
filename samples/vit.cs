#:project ../src/Sprout/Sprout.csproj
#:package Spectre.Console@0.57.2
#:package ScottPlot@5.1.59
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
// The book's Vision Transformer on Fashion-MNIST resized to 96×96, patches of 16 (d2l "Transformers for Vision"):
// only the ViT's own sizes are written; channels, the 36 + 1 positions and every layer's input are inferred.
// Run: dotnet run samples/vit.cs [-- --epochs N] [--subset] [--train-samples N] [--small] [--lr R]
// (the book's sizes: 512 hidden, 2048 MLP, 8 heads, 2 blocks, batch 128; --small: 128, 256, 4 heads; Adam, lr 1e-3)
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Models;
using Sprout.Training;

int epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).DefaultIfEmpty(10).First();
int limit = args.SkipWhile(a => a != "--train-samples").Skip(1).Select(int.Parse).DefaultIfEmpty(int.MaxValue).First();
bool subset = args.Contains("--subset"), small = args.Contains("--small");
float learningRate = args.SkipWhile(a => a != "--lr").Skip(1).Select(float.Parse).DefaultIfEmpty(1e-3f).First();

Rng.Seed(42);
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
int count = Math.Min(limit, train.Count);
var trainImages = ImageResize.Resize(train.Images.Slice(0, count), 96, 96);
var testImages = ImageResize.Resize(test.Images.Slice(0, Math.Min(test.Count, Math.Max(500, count / 6))), 96, 96);
var testLabels = test.Labels.Slice(0, testImages.Shape[0]);
AnsiConsole.MarkupLine($"Fashion-MNIST from [bold]{train.Source}[/] at 96×96: {count:N0} training and {testImages.Shape[0]:N0} test images");

var vit = small
    ? new VisionTransformer(classes: 10, patchSize: 16, hidden: 128, mlpHidden: 256, heads: 4, blocks: 2)
    : new VisionTransformer(classes: 10, patchSize: 16, hidden: 512, mlpHidden: 2048, heads: 8, blocks: 2);
vit.Initialize(new Xavier());
Console.WriteLine(vit.Summary(new Shape(1, 1, 96, 96)));
var trainer = new Trainer(vit.CollectParams(), new Adam(learningRate));
var trainLoader = new DataLoader(trainImages, train.Labels.Slice(0, count), batchSize: 128, shuffle: true, seed: 42);
var testLoader = new DataLoader(testImages, testLabels, batchSize: 256);

var results = new List<EpochResult>();
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        ProgressTask? bar = null;
        FitLoop.Run(vit, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs, new SyncProgress<FitProgress>(p =>
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

// Loss on the left axis, accuracy on the right, whole epochs along the bottom.
var plot = new ScottPlot.Plot();
double[] xs = [.. results.Select(r => (double)r.Epoch)];
plot.Add.Scatter(xs, results.Select(r => r.TrainLoss).ToArray()).LegendText = "train loss (left)";
var trainAcc = plot.Add.Scatter(xs, results.Select(r => r.TrainAccuracy).ToArray());
trainAcc.LegendText = "train accuracy (right)";
trainAcc.Axes.YAxis = plot.Axes.Right;
var testAcc = plot.Add.Scatter(xs, results.Select(r => r.TestAccuracy).ToArray());
testAcc.LegendText = "test accuracy (right)";
testAcc.Axes.YAxis = plot.Axes.Right;
var epochTicks = new ScottPlot.TickGenerators.NumericManual();
foreach (var r in results) epochTicks.AddMajor(r.Epoch, $"{r.Epoch}");
plot.Axes.Bottom.TickGenerator = epochTicks;
plot.XLabel("epoch");
plot.Axes.Left.Label.Text = "loss";
plot.Axes.Right.Label.Text = "accuracy";
plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
plot.SavePng("vit-training.png", 640, 420);
AnsiConsole.MarkupLine("Curves written to [bold]vit-training.png[/]");

/// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
