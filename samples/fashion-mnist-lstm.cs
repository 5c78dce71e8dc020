#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
#:property TieredCompilation=false
// Fashion-MNIST read row by row by an LSTM: each image is a sequence of 28 rows of 28 pixels, the last step's hidden
// state is classified. Only the LSTM's hidden size and the class count are written; the 28 input features are inferred.
// Run: dotnet run samples/fashion-mnist-lstm.cs [-- --epochs N] [--subset] [--hidden 128] [--lr 0.002]
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;
using Sprout.Samples;

int epochs = SampleArgs.Value<int>(args, "--epochs", 3);
int hidden = SampleArgs.Value<int>(args, "--hidden", 128);
float learningRate = SampleArgs.Value<float>(args, "--lr", 0.002f);
bool subset = SampleArgs.Flag(args, "--subset");

Rng.Seed(42);
var train = subset ? FashionMnist.LoadSubset(Split.Train) : FashionMnist.Load(Split.Train);
var test = subset ? FashionMnist.LoadSubset(Split.Test) : FashionMnist.Load(Split.Test);
Console.WriteLine($"Fashion-MNIST from {train.Source}: {train.Count:N0} training and {test.Count:N0} test images, as sequences of 28 rows");

var net = new Sequential
{
    { "rows", new Lambda(x => x.Reshape(x.Shape[0], x.Shape[2], x.Shape[3])) },               // (N, 1, 28, 28) → (N, 28 steps, 28 features)
    { "lstm", new Lstm(hidden, batchFirst: true) },
    { "last", new Lambda(y => y.Narrow(1, y.Shape[1] - 1, 1).Reshape(y.Shape[0], y.Shape[2])) },  // the last step's output
    { "classifier", new Dense(10) },
};
net.Initialize(new Xavier());
Console.WriteLine(net.Summary(new Shape(1, 1, 28, 28)));
var trainer = new Trainer(net.CollectParams(), new Adam(learningRate));
var trainLoader = new DataLoader(train.Images, train.Labels, batchSize: 128, shuffle: true, seed: 42);
var testLoader = new DataLoader(test.Images, test.Labels, batchSize: 256);
FitLoop.Run(net, new SoftmaxCrossEntropyLoss(), trainer, trainLoader, testLoader, epochs, new EpochPrinter());

/// <summary>Prints each finished epoch.</summary>
sealed class EpochPrinter : IProgress<FitProgress>
{
    public void Report(FitProgress p)
    {
        if (p.Completed is { } r)
            Console.WriteLine($"epoch {r.Epoch}: loss {r.TrainLoss:F4}, train acc {r.TrainAccuracy:F4}, test acc {r.TestAccuracy:F4}, {r.Elapsed.TotalSeconds:F1} s");
    }
}
