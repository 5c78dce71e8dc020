#:project ../src/Sprout/Sprout.csproj
#:package Spectre.Console@0.57.2
#:package ScottPlot@5.1.59
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
// The book's multilayer perceptron on Fashion-MNIST (d2l "Concise Implementation of Multilayer Perceptrons"):
// Flatten, Dense(256, relu), Dense(10) with no input sizes, Normal(0.01), SGD lr 0.1, batch 256, 10 epochs.
// Run: dotnet run samples/fashion-mnist-mlp.cs [-- --epochs N] [--subset]
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

int epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).DefaultIfEmpty(10).First();
bool subset = args.Contains("--subset");

Rng.Seed(42);
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
AnsiConsole.MarkupLine($"Fashion-MNIST from [bold]{train.Source}[/]: {train.Count:N0} training and {test.Count:N0} test images" +
    (train.IsSubset ? " [yellow](the embedded subset; install dataset-fashion-mnist for the full set)[/]" : ""));

var net = new Sequential { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };
net.Initialize(new Normal(0.01f));
var trainer = new Trainer(net.CollectParams(), new Sgd(learningRate: 0.1f));   // made before any parameter is filled
var trainLoader = new DataLoader(train.Images, train.Labels, batchSize: 256, shuffle: true, seed: 42);
var testLoader = new DataLoader(test.Images, test.Labels, batchSize: 256);

var results = new List<EpochResult>();
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        ProgressTask? bar = null;
        var progress = new SyncProgress<FitProgress>(p =>
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
        });
        FitLoop.Run(net, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs, progress);
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
plot.SavePng("mlp-training.png", 640, 420);
AnsiConsole.MarkupLine("Curves written to [bold]mlp-training.png[/]");

var sample = test.Images.Slice(0, 6);
float[] predicted;
using (Autograd.Predict()) predicted = net.Forward(sample).ArgMax(1).ToArray();
for (int i = 0; i < predicted.Length; i++)
    AnsiConsole.MarkupLine($"test image {i}: true [bold]{FashionMnist.ClassNames[(int)test.Labels[i]]}[/], predicted [bold]{FashionMnist.ClassNames[(int)predicted[i]]}[/]");

/// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
