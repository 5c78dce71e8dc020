using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Training;

public class FitLoopTests
{
    [Fact]
    public void The_book_mlp_learns_on_the_embedded_subset_and_reports_progress()
    {
        Rng.Seed(42);
        var train = FashionMnist.LoadSubset(Split.Train);
        var test = FashionMnist.LoadSubset(Split.Test);
        var net = new Sequential { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };
        net.Initialize(new Normal(0.01f));
        var trainer = new Trainer(net.CollectParams(), new Adam(1e-3f));
        var reports = new List<FitProgress>();
        var results = FitLoop.Run(net, new SoftmaxCrossEntropyLoss(), trainer,
            new DataLoader(train.Images, train.Labels, 64, shuffle: true, seed: 1), new DataLoader(test.Images, test.Labels, 250),
            epochs: 4, new ListProgress(reports));
        Assert.Equal(4, results.Count);
        Assert.True(results[3].TrainLoss < results[0].TrainLoss);
        Assert.True(results[3].TestAccuracy > 0.7, $"test accuracy {results[3].TestAccuracy}");
        Assert.Equal(4 * 32 + 4, reports.Count);
        Assert.Equal(4, reports.Count(r => r.Completed is not null));
    }

    private sealed class ListProgress(List<FitProgress> list) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => list.Add(value);
    }
}
