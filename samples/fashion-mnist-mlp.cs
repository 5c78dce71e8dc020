#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
#:property TieredCompilation=false
// The book's multilayer perceptron on Fashion-MNIST (d2l "Concise Implementation of Multilayer Perceptrons"):
// Flatten, Dense(256, relu), Dense(10) with no input sizes, Normal(0.01), SGD lr 0.1, batch 256, 10 epochs.
// Run: dotnet run samples/fashion-mnist-mlp.cs [-- --epochs N] [--subset]
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Samples;
using Sprout.Training;

int epochs = SampleArgs.Value<int>(args, "--epochs", 10);
bool subset = SampleArgs.Flag(args, "--subset");

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

var results = TrainingConsole.Fit(net, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs);
TrainingCurves.Save(results, "mlp-training.png");

var sample = test.Images.Slice(0, 6);
float[] predicted;
using (Autograd.Predict()) predicted = net.Forward(sample).ArgMax(1).ToArray();
for (int i = 0; i < predicted.Length; i++)
    AnsiConsole.MarkupLine($"test image {i}: true [bold]{FashionMnist.ClassNames[(int)test.Labels[i]]}[/], predicted [bold]{FashionMnist.ClassNames[(int)predicted[i]]}[/]");
