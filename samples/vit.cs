#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
#:property TieredCompilation=false
// The book's Vision Transformer on Fashion-MNIST resized to 96×96, patches of 16 (d2l "Transformers for Vision"):
// only the ViT's own sizes are written; channels, the 36 + 1 positions and every layer's input are inferred.
// Run: dotnet run samples/vit.cs [-- --epochs N] [--subset] [--train-samples N] [--small] [--lr R]
// (the book's sizes: 512 hidden, 2048 MLP, 8 heads, 2 blocks, batch 128; --small: 128, 256, 4 heads; Adam, lr 1e-3)
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Models;
using Sprout.Samples;
using Sprout.Training;

int epochs = SampleArgs.Value<int>(args, "--epochs", 10);
int limit = SampleArgs.Value<int>(args, "--train-samples", int.MaxValue);
bool subset = SampleArgs.Flag(args, "--subset"), small = SampleArgs.Flag(args, "--small");
float learningRate = SampleArgs.Value<float>(args, "--lr", 1e-3f);

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

var results = TrainingConsole.Fit(vit, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs);
TrainingCurves.Save(results, "vit-training.png");
