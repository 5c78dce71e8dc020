#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
#:property TieredCompilation=false
// LeNet on Fashion-MNIST, written without a single input size (d2l "Convolutional Neural Networks (LeNet)" and
// "Batch Normalization"): the book's LeNet (sigmoid, average pooling) and a modern variant (ReLU, max pooling, batch
// norm). Then the same definition summarized at 28×28 and 56×56: the Dense layer's input size follows the image.
// Run: dotnet run samples/fashion-mnist-lenet.cs [-- --epochs N] [--subset]
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Samples;
using Sprout.Training;

int epochs = SampleArgs.Value<int>(args, "--epochs", 10);
bool subset = SampleArgs.Flag(args, "--subset");
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
AnsiConsole.MarkupLine($"Fashion-MNIST from [bold]{train.Source}[/]: {train.Count:N0} training and {test.Count:N0} test images");

static Sequential BookLeNet() => new()
{
    new Conv2D(6, kernelSize: 5, padding: 2, activation: Activation.Sigmoid),
    new AvgPool2D(2, strides: 2),
    new Conv2D(16, kernelSize: 5, activation: Activation.Sigmoid),
    new AvgPool2D(2, strides: 2),
    new Flatten(),
    new Dense(120, Activation.Sigmoid),
    new Dense(84, Activation.Sigmoid),
    new Dense(10),
};

static Sequential ModernLeNet() => new()
{
    new Conv2D(6, kernelSize: 5, padding: 2), new BatchNorm(), new Relu(),
    new MaxPool2D(2, strides: 2),
    new Conv2D(16, kernelSize: 5), new BatchNorm(), new Relu(),
    new MaxPool2D(2, strides: 2),
    new Flatten(),
    new Dense(120), new BatchNorm(), new Relu(),
    new Dense(84), new BatchNorm(), new Relu(),
    new Dense(10),
};

AnsiConsole.MarkupLine("[bold]The book's LeNet, summarized before anything is filled:[/]");
Console.WriteLine(BookLeNet().Summary(new Shape(1, 1, 28, 28)));

var runs = new List<(string Name, List<EpochResult> Results)>
{
    ("LeNet (sigmoid, avg pool)", Train(BookLeNet(), new Xavier(), new Sgd(0.9f), "book")),
    ("LeNet (ReLU, max pool, batch norm)", Train(ModernLeNet(), new Kaiming(), new Sgd(0.1f, momentum: 0.9f), "modern")),
};

// Loss on the left axis, accuracy on the right, whole epochs along the bottom.
var plot = new ScottPlot.Plot();
foreach (var (name, results) in runs)
{
    double[] xs = [.. results.Select(r => (double)r.Epoch)];
    var accuracy = plot.Add.Scatter(xs, results.Select(r => r.TestAccuracy).ToArray());
    accuracy.LegendText = $"{name}: test accuracy (right)";
    accuracy.Axes.YAxis = plot.Axes.Right;
    plot.Add.Scatter(xs, results.Select(r => r.TrainLoss).ToArray()).LegendText = $"{name}: train loss (left)";
}
TrainingCurves.Finish(plot, runs[0].Results, "lenet-training.png", 720, 480);

AnsiConsole.MarkupLine("\n[bold]One definition, two resolutions: the Dense layer's input size follows the image[/]");
foreach (int size in new[] { 28, 56 })
{
    var net = BookLeNet();
    net.Initialize();
    net.Build(new Shape(1, 1, size, size));
    Console.WriteLine($"{size}x{size}: {net[5].Params["weight"]}");
}
Console.WriteLine(BookLeNet().Summary(new Shape(1, 1, 56, 56)));

List<EpochResult> Train(Sequential net, Initializer init, Optimizer optimizer, string seedKey)
{
    Rng.Seed(42);
    net.Initialize(init);
    var trainer = new Trainer(net.CollectParams(), optimizer);
    var trainLoader = new DataLoader(train.Images, train.Labels, batchSize: 256, shuffle: true, seed: 42);
    var testLoader = new DataLoader(test.Images, test.Labels, batchSize: 256);
    AnsiConsole.MarkupLine($"\n[bold]Training {seedKey} LeNet[/]");
    var results = TrainingConsole.Fit(net, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs);
    var best = results[^1];
    AnsiConsole.MarkupLine($"final test accuracy [bold]{best.TestAccuracy:F4}[/], last epoch {best.Elapsed.TotalSeconds:F1} s ({train.Count / best.Elapsed.TotalSeconds:N0} samples/s)");
    return results;
}
