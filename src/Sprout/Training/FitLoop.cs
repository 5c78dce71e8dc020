using System.Diagnostics;
using Sprout.Nn;

namespace Sprout.Training;

/// <summary>
/// The training loop of the book's <c>train_ch3</c>: for each epoch, for each batch, record the forward pass and
/// the summed loss, back-propagate, and step the trainer; then measure test accuracy. Batches come from any collection
/// (a <c>Sprout.Data.DataLoader</c>, say). It prints nothing: progress
/// goes to an <see cref="IProgress{T}"/>.
/// </summary>
public static class FitLoop
{
    /// <summary>Trains <paramref name="net"/> for the given epochs, evaluating on <paramref name="test"/> after each when given; reports through <paramref name="progress"/>.</summary>
    public static IReadOnlyList<EpochResult> Run(Block net, Loss loss, Trainer trainer, IReadOnlyCollection<Batch> train, IReadOnlyCollection<Batch>? test, int epochs,
        IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        var results = new List<EpochResult>(epochs);
        var meanLoss = new MeanMetric();
        var accuracy = new Accuracy();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            meanLoss.Reset();
            accuracy.Reset();
            int b = 0;
            foreach (var batch in train)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Tensor output, l, total;
                using (Autograd.Record())
                {
                    output = net.Forward(batch.Data);
                    l = loss.Forward(output, batch.Labels);
                    total = l.Sum();
                }
                total.Backward();
                trainer.Step(batch.Size);
                meanLoss.Update(l);
                accuracy.Update(batch.Labels, output);
                progress?.Report(new FitProgress(epoch, epochs, ++b, train.Count, meanLoss.Value, accuracy.Value, null));
            }
            clock.Stop();
            double testAccuracy = test is null ? double.NaN : Evaluate(net, test);
            var result = new EpochResult(epoch, meanLoss.Value, accuracy.Value, testAccuracy, clock.Elapsed);
            results.Add(result);
            progress?.Report(new FitProgress(epoch, epochs, b, train.Count, result.TrainLoss, result.TrainAccuracy, result));
        }
        return results;
    }

    /// <summary>Accuracy of <paramref name="net"/> on <paramref name="data"/>, in prediction mode.</summary>
    public static double Evaluate(Block net, IEnumerable<Batch> data)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(data);
        var accuracy = new Accuracy();
        using (Autograd.Predict())
            foreach (var batch in data) accuracy.Update(batch.Labels, net.Forward(batch.Data));
        return accuracy.Value;
    }
}
