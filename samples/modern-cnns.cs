#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
#:property TieredCompilation=false
// The book's "Modern Convolutional Neural Networks" on Fashion-MNIST: AlexNet, VGG-11, NiN, GoogLeNet, ResNet-18 and
// DenseNet, each written with only its own channel counts (Sprout.Models.ModernCnns). Every summary below is at the
// book's input size, and the one trained runs at the size asked for: nothing in a definition names the image size.
// Images are resized batch by batch as the loader gathers them (a Resize transform), not all held resized in memory.
// Run: dotnet run samples/modern-cnns.cs [-- --net resnet18|densenet|googlenet|nin|vgg|alexnet] [--epochs N]
//      [--size 96] [--subset] [--train-samples N] [--batch 128] [--lr 0.05]   (SGD, as the book's d2l.train_ch6)
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Data.Transforms;
using Sprout.Init;
using Sprout.Models;
using Sprout.Nn;
using Sprout.Samples;
using Sprout.Training;

string name = SampleArgs.Value<string>(args, "--net", "resnet18");
int epochs = SampleArgs.Value<int>(args, "--epochs", 10);
int size = SampleArgs.Value<int>(args, "--size", 96);
int limit = SampleArgs.Value<int>(args, "--train-samples", int.MaxValue);
int batchSize = SampleArgs.Value<int>(args, "--batch", 128);
float learningRate = SampleArgs.Value<float>(args, "--lr", 0.05f);
bool subset = SampleArgs.Flag(args, "--subset");

// Each network, the input size the book prints its shapes at, and how to make it.
var networks = new (string Name, int BookSize, Func<Sequential> Make)[]
{
    ("alexnet", 224, () => ModernCnns.AlexNet()),
    ("vgg", 224, () => ModernCnns.Vgg()),
    ("nin", 224, () => ModernCnns.NiN()),
    ("googlenet", 96, () => ModernCnns.GoogLeNet()),
    ("resnet18", 96, () => ModernCnns.ResNet18()),
    ("densenet", 96, () => ModernCnns.DenseNet()),
};
var chosen = networks.FirstOrDefault(n => n.Name == name);
if (chosen.Make is null)
{
    Console.Error.WriteLine($"Unknown network '{name}'; choose one of {string.Join(", ", networks.Select(n => n.Name))}.");
    return 2;
}

var overview = new Table().AddColumns("network", "input", "output", "parameters");
foreach (var (label, bookSize, make) in networks)
{
    var shown = make();
    shown.Initialize(new Xavier());
    var input = new Shape(1, 1, bookSize, bookSize);
    Console.WriteLine($"{label} at {bookSize}×{bookSize}:");
    Console.WriteLine(shown.Summary(input));
    overview.AddRow(label, $"{input}", $"{shown.Build(input)}", $"{shown.CollectParams().Values.Where(p => !p.IsBuffer).Sum(p => (long)p.Shape.ElementCount):N0}");
}
AnsiConsole.Write(overview);

Rng.Seed(42);
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
int count = Math.Min(limit, train.Count), testCount = Math.Min(test.Count, Math.Max(500, count / 6));
var resize = new Resize(size);
AnsiConsole.MarkupLine($"Training [bold]{name}[/] on Fashion-MNIST from [bold]{train.Source}[/] resized to {size}×{size}: {count:N0} training and {testCount:N0} test images, batch {batchSize}, SGD lr {learningRate}");

var net = chosen.Make();
net.Initialize(new Xavier());
var trainer = new Trainer(net.CollectParams(), new Sgd(learningRate));
var trainLoader = new DataLoader(train.Images.Slice(0, count), train.Labels.Slice(0, count), batchSize, shuffle: true, seed: 42, transform: resize);
var testLoader = new DataLoader(test.Images.Slice(0, testCount), test.Labels.Slice(0, testCount), batchSize: 256, transform: resize);

var results = TrainingConsole.Fit(net, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs);
TrainingCurves.Save(results, $"{name}-training.png");
return 0;
